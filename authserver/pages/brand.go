package pages

import (
	"errors"
	"fmt"
	"strings"
)

// defaultAccent is a blue with about 6:1 contrast against white button text.
const defaultAccent = "#2456d3"

// normalize fills defaults and rejects values that would break the pages or
// the Content-Security-Policy they are written for.
func (b Brand) normalize() (Brand, error) {
	b.ProductName = strings.TrimSpace(b.ProductName)
	if b.ProductName == "" {
		b.ProductName = "scopegate"
	}
	if b.AccentColor == "" {
		b.AccentColor = defaultAccent
	}
	if _, err := parseHex(b.AccentColor); err != nil {
		return Brand{}, fmt.Errorf("pages: accent colour: %w", err)
	}
	b.AccentColor = strings.ToLower(b.AccentColor)
	if err := checkLogoURL(b.LogoURL); err != nil {
		return Brand{}, fmt.Errorf("pages: logo URL %q: %w", b.LogoURL, err)
	}
	return b, nil
}

// checkLogoURL allows only what CSP img-src 'self' data: will load, so a
// misconfigured logo fails at startup instead of as a broken image.
func checkLogoURL(u string) error {
	if u == "" {
		return nil
	}
	if strings.ContainsAny(u, " \t\r\n\"'<>\\`") {
		return errors.New("contains whitespace, quotes, angle brackets or backslashes")
	}
	switch {
	case strings.HasPrefix(u, "//"):
		return errors.New("protocol-relative URLs point to another host")
	case strings.HasPrefix(u, "/"):
		return nil
	case strings.HasPrefix(strings.ToLower(u), "data:image/"):
		return nil
	}
	return errors.New(`must be a path starting with "/" or a data:image/ URL`)
}

// palette holds the colours derived from the accent, written into
// style.css as custom properties.
type palette struct {
	Accent      string // button background
	AccentHover string // button background on hover
	AccentText  string // text on the accent
	LinkLight   string // accent used as text on the light card
	LinkDark    string // accent used as text on the dark card
}

func newPalette(accent string) (palette, error) {
	c, err := parseHex(accent)
	if err != nil {
		return palette{}, err
	}
	white := rgb{255, 255, 255}
	black := rgb{0, 0, 0}
	nearBlack := rgb{0x0b, 0x0f, 0x14}
	darkCard := rgb{0x1b, 0x20, 0x28} // --card in dark mode, see style.css
	text := white
	if contrast(nearBlack, c) > contrast(white, c) {
		text = nearBlack
	}
	hover := c.mix(black, 0.14)
	if text == nearBlack {
		hover = c.mix(white, 0.18)
	}
	return palette{
		Accent:      c.hex(),
		AccentHover: hover.hex(),
		AccentText:  text.hex(),
		LinkLight:   readableOn(c, white, black).hex(),
		LinkDark:    readableOn(c, darkCard, white).hex(),
	}, nil
}
