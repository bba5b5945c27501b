package photoapi

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// scene describes a procedural landscape. Rendering it as a function of normalised
// coordinates lets the full image and its thumbnail be drawn at their own sizes
// without a resampling library.
type scene struct {
	skyTop, skyHorizon color.RGBA
	sun                color.RGBA
	sunX, sunY, sunR   float64 // in units of image height, y grows downwards
	horizon            float64 // where land or sea starts, 0 top .. 1 bottom
	hills              []hill  // drawn back to front
	sea                *color.RGBA
	stars              bool
	seed               float64
}

// hill is one ridge line: a sum of two sines around a base height.
type hill struct {
	base, amp, freq, phase float64
	col                    color.RGBA
}

// render draws the scene at w x h with 2x2 supersampling so edges stay smooth.
func (s scene) render(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	aspect := float64(w) / float64(h)
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			var r, g, b float64
			for _, o := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				c := s.at((float64(px)+o[0])/float64(h), (float64(py)+o[1])/float64(h), aspect)
				r, g, b = r+c[0], g+c[1], b+c[2]
			}
			i := img.PixOffset(px, py)
			img.Pix[i+0] = clamp8(r / 4)
			img.Pix[i+1] = clamp8(g / 4)
			img.Pix[i+2] = clamp8(b / 4)
			img.Pix[i+3] = 255
		}
	}
	return img
}

// at returns the colour at (x, y), both measured in image heights.
func (s scene) at(x, y, aspect float64) [3]float64 {
	// Sky: vertical gradient plus a warm glow around the sun.
	t := math.Min(1, y/s.horizon)
	c := mix(rgb(s.skyTop), rgb(s.skyHorizon), t*t)
	d := math.Hypot(x-s.sunX, y-s.sunY)
	glow := math.Exp(-d * d / (s.sunR * s.sunR * 9))
	c = mix(c, rgb(s.sun), 0.55*glow)
	if s.stars && y < s.horizon*0.8 && starAt(x, y, s.seed) {
		c = mix(c, [3]float64{255, 255, 240}, 0.8)
	}
	if d < s.sunR {
		c = mix(c, rgb(s.sun), 0.95)
	}
	// Sea: darker towards the viewer, with a shimmering reflection under the sun.
	if s.sea != nil && y > s.horizon {
		depth := (y - s.horizon) / (1 - s.horizon)
		c = mix(rgb(*s.sea), mix(rgb(*s.sea), [3]float64{0, 0, 0}, 0.45), depth)
		wave := 0.5 + 0.5*math.Sin(y*180/(0.3+depth)+math.Sin(x*9+s.seed)*2)
		band := math.Exp(-math.Pow((x-s.sunX)/(s.sunR*(1.2+depth*2.5)), 2))
		c = mix(c, rgb(s.sun), band*wave*0.6*(1-depth*0.6))
		c = mix(c, [3]float64{255, 255, 255}, 0.05*wave)
	}
	// Hills: each ridge covers what lies behind it; haze fades the far ones.
	for i, hl := range s.hills {
		ridge := hl.base - hl.amp*(0.6*math.Sin(x*hl.freq+hl.phase)+0.4*math.Sin(x*hl.freq*2.7+hl.phase*1.9))
		// Over a sea, ridges are far shores that stop at the horizon.
		if y >= ridge && (s.sea == nil || y <= s.horizon) {
			hc := rgb(hl.col)
			shade := math.Min(1, (y-ridge)*2.5)
			hc = mix(hc, mix(hc, [3]float64{0, 0, 0}, 0.35), shade)
			haze := 0.35 * float64(len(s.hills)-1-i) / float64(len(s.hills))
			c = mix(hc, rgb(s.skyHorizon), haze)
		}
	}
	// A soft vignette makes it feel like a photograph rather than a diagram.
	vx, vy := x/aspect-0.5, y-0.5
	v := 1 - 0.35*(vx*vx+vy*vy)
	return [3]float64{c[0] * v, c[1] * v, c[2] * v}
}

// starAt places sparse stars on a fixed pseudo-random lattice.
func starAt(x, y, seed float64) bool {
	const cell = 0.02
	cx, cy := math.Floor(x/cell), math.Floor(y/cell)
	h := math.Sin(cx*127.1+cy*311.7+seed) * 43758.5453
	h -= math.Floor(h)
	if h < 0.93 {
		return false
	}
	sx := (cx + 0.5) * cell
	sy := (cy + 0.5) * cell
	return math.Hypot(x-sx, y-sy) < cell*0.12
}

func rgb(c color.RGBA) [3]float64 { return [3]float64{float64(c.R), float64(c.G), float64(c.B)} }

func mix(a, b [3]float64, t float64) [3]float64 {
	t = math.Max(0, math.Min(1, t))
	return [3]float64{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

func clamp8(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}

// encodePNG encodes an image that cannot fail to encode (an in-memory NRGBA).
func encodePNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic("photoapi: encoding an in-memory image: " + err.Error())
	}
	return buf.Bytes()
}
