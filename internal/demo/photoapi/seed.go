package photoapi

import (
	"image/color"
	"time"
)

// Sizes of the generated pictures: a 3:2 print-like frame and a thumbnail.
const (
	fullW, fullH   = 640, 427
	thumbW, thumbH = 240, 160
)

// seedPhoto is one picture every demo run starts with.
type seedPhoto struct {
	owner, title string
	takenAt      time.Time
	scene        scene
}

func day(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

// seedPhotos returns alice's and bob's pictures; each scene differs in light, land and sea
// so the thumbnails are easy to tell apart on the printing page.
func seedPhotos() []seedPhoto {
	sea := func(r, g, b uint8) *color.RGBA { c := color.RGBA{r, g, b, 255}; return &c }
	c := func(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 255} }
	return []seedPhoto{
		{"alice", "Sunrise over the bay", day(2025, time.June, 14, 5, 42), scene{
			skyTop: c(70, 110, 190), skyHorizon: c(255, 190, 150), sun: c(255, 236, 180),
			sunX: 0.95, sunY: 0.52, sunR: 0.06, horizon: 0.62, sea: sea(40, 90, 140), seed: 1,
			hills: []hill{{0.6, 0.05, 4, 1.2, c(90, 100, 130)}},
		}},
		{"alice", "Green hills after the rain", day(2025, time.April, 3, 16, 10), scene{
			skyTop: c(110, 160, 225), skyHorizon: c(215, 232, 245), sun: c(255, 252, 230),
			sunX: 0.3, sunY: 0.2, sunR: 0.05, horizon: 0.6, seed: 2,
			hills: []hill{
				{0.55, 0.08, 3, 0.3, c(120, 160, 120)},
				{0.68, 0.07, 5, 2.1, c(90, 150, 70)},
				{0.82, 0.06, 2.5, 4.0, c(60, 125, 50)},
			},
		}},
		{"alice", "Evening at the lake", day(2025, time.August, 21, 20, 35), scene{
			skyTop: c(60, 50, 120), skyHorizon: c(250, 140, 90), sun: c(255, 200, 120),
			sunX: 0.5, sunY: 0.55, sunR: 0.07, horizon: 0.6, sea: sea(70, 60, 110), seed: 3,
			hills: []hill{{0.58, 0.06, 6, 0.5, c(50, 40, 70)}, {0.61, 0.03, 3, 3.3, c(35, 30, 55)}},
		}},
		{"alice", "Mountain pass in autumn", day(2025, time.October, 12, 11, 5), scene{
			skyTop: c(80, 140, 210), skyHorizon: c(200, 220, 235), sun: c(255, 250, 235),
			sunX: 1.2, sunY: 0.15, sunR: 0.045, horizon: 0.7, seed: 4,
			hills: []hill{
				{0.45, 0.18, 5, 1.0, c(130, 140, 160)},
				{0.65, 0.1, 4, 2.5, c(190, 120, 50)},
				{0.85, 0.07, 3, 0.2, c(150, 80, 40)},
			},
		}},
		{"bob", "Night sea with stars", day(2025, time.July, 2, 23, 50), scene{
			skyTop: c(8, 12, 40), skyHorizon: c(40, 60, 110), sun: c(240, 240, 220),
			sunX: 1.15, sunY: 0.25, sunR: 0.04, horizon: 0.68, sea: sea(15, 30, 60), stars: true, seed: 5,
		}},
		{"bob", "Summer meadow", day(2025, time.July, 19, 14, 0), scene{
			skyTop: c(60, 130, 220), skyHorizon: c(180, 215, 245), sun: c(255, 255, 235),
			sunX: 1.25, sunY: 0.18, sunR: 0.05, horizon: 0.65, seed: 6,
			hills: []hill{{0.62, 0.04, 2, 1.7, c(150, 190, 80)}, {0.8, 0.05, 3, 0.9, c(120, 175, 60)}},
		}},
		{"bob", "Desert dunes at dusk", day(2026, time.January, 8, 18, 20), scene{
			skyTop: c(120, 70, 130), skyHorizon: c(255, 170, 110), sun: c(255, 220, 160),
			sunX: 0.35, sunY: 0.58, sunR: 0.08, horizon: 0.62, seed: 7,
			hills: []hill{
				{0.6, 0.06, 2.2, 0.4, c(210, 140, 90)},
				{0.75, 0.08, 1.8, 2.2, c(190, 115, 70)},
				{0.9, 0.05, 2.6, 5.0, c(160, 90, 55)},
			},
		}},
	}
}
