package photoapi

import (
	"bytes"
	"errors"
	"image"
	_ "image/gif" // uploads may be GIF, JPEG or PNG
	_ "image/jpeg"
	"image/png"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

const maxTitle = 200

var errNoImage = errors.New("photoapi: no image in the request")

// upload accepts either a raw image body (title in ?title=) or a multipart form with a
// "title" field and a file part. The body is read through a MaxBytesReader, so an
// oversized upload stops at the limit instead of filling memory.
func (a *API) upload(w http.ResponseWriter, r *http.Request, owner string) {
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxUploadBytes)
	title, data, err := readUpload(r)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the photo is larger than the upload limit")
		return
	case errors.Is(err, errNoImage):
		writeError(w, http.StatusBadRequest, "no_image", "send an image body or a multipart file part")
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_upload", "the upload could not be read")
		return
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_image", "the body is not a PNG, JPEG or GIF image")
		return
	}
	title = strings.TrimSpace(title)
	if title == "" {
		title = "Untitled photo"
	}
	if len(title) > maxTitle || !utf8.ValidString(title) {
		writeError(w, http.StatusBadRequest, "bad_title", "the title must be valid text of at most 200 bytes")
		return
	}
	var thumb bytes.Buffer
	if err := png.Encode(&thumb, shrink(img, thumbW, thumbH)); err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", "the thumbnail could not be made")
		return
	}
	b := img.Bounds()
	p := a.photos.add(&stored{
		Photo:       Photo{Title: title, TakenAt: a.cfg.Now().UTC().Truncate(1e9), Width: b.Dx(), Height: b.Dy()},
		owner:       owner,
		contentType: "image/" + format,
		full:        data,
		thumb:       thumb.Bytes(),
	})
	w.Header().Set("Location", "/photos/"+p.ID)
	writeJSON(w, http.StatusCreated, p)
}

// readUpload returns the title and image bytes from a raw or multipart body.
func readUpload(r *http.Request) (title string, data []byte, err error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		data, err = io.ReadAll(r.Body)
		if err == nil && len(data) == 0 {
			err = errNoImage
		}
		return r.URL.Query().Get("title"), data, err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, err
		}
		switch {
		case part.FormName() == "title":
			b, err := io.ReadAll(io.LimitReader(part, maxTitle+1))
			if err != nil {
				return "", nil, err
			}
			title = string(b)
		case part.FileName() != "" && data == nil:
			if data, err = io.ReadAll(part); err != nil {
				return "", nil, err
			}
		}
	}
	if len(data) == 0 {
		return "", nil, errNoImage
	}
	return title, data, nil
}

// shrink fits img into w x h keeping its proportions, averaging a few samples per
// output pixel: good enough for thumbnails and bounded in cost for huge uploads.
func shrink(img image.Image, w, h int) image.Image {
	b := img.Bounds()
	scale := min(float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy()), 1)
	tw, th := max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))
	out := image.NewNRGBA(image.Rect(0, 0, tw, th))
	const n = 3 // samples per axis
	for y := 0; y < th; y++ {
		for x := 0; x < tw; x++ {
			var r, g, bl, al uint32
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					px := b.Min.X + int((float64(x)+(float64(sx)+0.5)/n)/scale)
					py := b.Min.Y + int((float64(y)+(float64(sy)+0.5)/n)/scale)
					cr, cg, cb, ca := img.At(min(px, b.Max.X-1), min(py, b.Max.Y-1)).RGBA()
					r, g, bl, al = r+cr, g+cg, bl+cb, al+ca
				}
			}
			i := out.PixOffset(x, y)
			// Average of premultiplied 16-bit values, back to 8-bit straight alpha.
			if al == 0 {
				continue
			}
			out.Pix[i+0] = uint8(r * 255 / al)
			out.Pix[i+1] = uint8(g * 255 / al)
			out.Pix[i+2] = uint8(bl * 255 / al)
			out.Pix[i+3] = uint8(al / (n * n) >> 8)
		}
	}
	return out
}
