package pages

import (
	"fmt"
	"math"
	"strconv"
)

// rgb is an sRGB colour with channels in 0..255. The renderer derives hover,
// text and link shades from the brand accent so a brand only picks one colour
// and the pages still keep WCAG contrast.
type rgb struct{ r, g, b float64 }

// parseHex reads "#rgb" or "#rrggbb".
func parseHex(s string) (rgb, error) {
	if len(s) == 4 && s[0] == '#' {
		s = "#" + string([]byte{s[1], s[1], s[2], s[2], s[3], s[3]})
	}
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, fmt.Errorf("%q is not #rgb or #rrggbb", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return rgb{}, fmt.Errorf("%q is not #rgb or #rrggbb", s)
	}
	return rgb{float64(v >> 16), float64(v >> 8 & 0xff), float64(v & 0xff)}, nil
}

func (c rgb) hex() string {
	return fmt.Sprintf("#%02x%02x%02x", uint8(math.Round(c.r)), uint8(math.Round(c.g)), uint8(math.Round(c.b)))
}

// mix moves c towards o by t (0..1).
func (c rgb) mix(o rgb, t float64) rgb {
	return rgb{c.r + (o.r-c.r)*t, c.g + (o.g-c.g)*t, c.b + (o.b-c.b)*t}
}

// luminance is the WCAG 2 relative luminance.
func (c rgb) luminance() float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is the WCAG 2 contrast ratio between two colours (1..21).
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// readableOn returns c, moved towards toward in small steps until it reaches
// 4.5:1 against bg (WCAG AA for body text).
func readableOn(c, bg, toward rgb) rgb {
	for t := 0.0; t <= 1; t += 0.05 {
		if m := c.mix(toward, t); contrast(m, bg) >= 4.5 {
			return m
		}
	}
	return toward
}
