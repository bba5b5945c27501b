package pages

import (
	"strings"
	"testing"
)

func TestNewBrand(t *testing.T) {
	tests := []struct {
		name    string
		brand   Brand
		wantErr string // substring; empty means success
	}{
		{"zero value", Brand{}, ""},
		{"short hex", Brand{AccentColor: "#0a5"}, ""},
		{"long hex, upper case", Brand{AccentColor: "#1A2B3C"}, ""},
		{"same-origin logo", Brand{LogoURL: "/static/logo.png"}, ""},
		{"data logo", Brand{LogoURL: "data:image/png;base64,iVBORw0KGgo="}, ""},
		{"colour name", Brand{AccentColor: "blue"}, "accent colour"},
		{"missing hash", Brand{AccentColor: "2456d3"}, "accent colour"},
		{"four digits", Brand{AccentColor: "#1234"}, "accent colour"},
		{"not hex", Brand{AccentColor: "#12345g"}, "accent colour"},
		{"css injection", Brand{AccentColor: "#fff;}body{display:none"}, "accent colour"},
		{"rgb()", Brand{AccentColor: "rgb(0,0,0)"}, "accent colour"},
		{"absolute logo", Brand{LogoURL: "https://cdn.example/logo.png"}, "logo URL"},
		{"protocol-relative logo", Brand{LogoURL: "//cdn.example/logo.png"}, "logo URL"},
		{"backslash logo", Brand{LogoURL: `/\cdn.example/logo.png`}, "logo URL"},
		{"relative logo", Brand{LogoURL: "logo.png"}, "logo URL"},
		{"javascript logo", Brand{LogoURL: "javascript:alert(1)"}, "logo URL"},
		{"data html logo", Brand{LogoURL: "data:text/html,<script>alert(1)</script>"}, "logo URL"},
		{"quote in logo", Brand{LogoURL: `/logo.png" onerror="x`}, "logo URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.brand)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New(%+v) error = %v, want nil", tt.brand, err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("New(%+v) = nil error, want one mentioning %q", tt.brand, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("New(%+v) error = %q, want it to mention %q", tt.brand, err, tt.wantErr)
			case tt.wantErr == "" && r.brand.ProductName != "scopegate":
				t.Errorf("default ProductName = %q, want scopegate", r.brand.ProductName)
			}
		})
	}
}

// TestPaletteContrast checks the derived colours keep WCAG AA contrast for
// the default accent and for brand accents that are too light or too dark.
func TestPaletteContrast(t *testing.T) {
	white := rgb{255, 255, 255}
	darkCard := rgb{0x1b, 0x20, 0x28}
	for _, accent := range []string{defaultAccent, "#ffd400", "#0f0", "#000", "#fff", "#7c3aed"} {
		p, err := newPalette(accent)
		if err != nil {
			t.Fatalf("newPalette(%q): %v", accent, err)
		}
		checks := []struct {
			what   string
			fg, bg string
		}{
			{"button text on accent", p.AccentText, p.Accent},
			{"link on light card", p.LinkLight, white.hex()},
			{"link on dark card", p.LinkDark, darkCard.hex()},
		}
		for _, c := range checks {
			fg, _ := parseHex(c.fg)
			bg, _ := parseHex(c.bg)
			if got := contrast(fg, bg); got < 4.5 {
				if c.what == "button text on accent" && accent != defaultAccent {
					// A mid-tone brand colour may not reach 4.5:1 with any
					// text; the renderer picks the better of white or black.
					if got < 3 {
						t.Errorf("%s: %s %s on %s contrast = %.2f, want >= 3", accent, c.what, c.fg, c.bg, got)
					}
					continue
				}
				t.Errorf("%s: %s %s on %s contrast = %.2f, want >= 4.5", accent, c.what, c.fg, c.bg, got)
			}
		}
	}
	if p, _ := newPalette(defaultAccent); p.AccentText != "#ffffff" {
		t.Errorf("default accent text = %s, want white", p.AccentText)
	}
}
