package pages

import "testing"

func TestCountOf(t *testing.T) {
	for _, tt := range []struct {
		n      int
		plural string
		want   string
	}{
		{1, "photos", "1 photo"},
		{0, "photos", "0 photos"},
		{4, "photos", "4 photos"},
		{1, "galleries", "1 gallery"},
		{1, "boxes", "1 box"},
		{1, "sketches", "1 sketch"},
		{1, "addresses", "1 address"},
		{1, "access", "1 access"},
		{1, "data", "1 data"},
		{2, "boxes", "2 boxes"},
	} {
		if got := CountOf(tt.n, tt.plural); got != tt.want {
			t.Errorf("CountOf(%d, %q) = %q; want %q", tt.n, tt.plural, got, tt.want)
		}
	}
}
