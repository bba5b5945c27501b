package policy

import "testing"

// BenchmarkMatch measures the per-request cost the gateway pays to choose a
// route. Run with -benchmem.
func BenchmarkMatch(b *testing.B) {
	set := mustCompile(b, photoPolicy)
	cases := []struct{ name, method, host, path string }{
		{name: "literal", method: "GET", host: "example.com", path: "/photos/shared"},
		{name: "wildcard", method: "GET", host: "example.com:8080", path: "/photos/42"},
		{name: "rest", method: "GET", host: "example.com", path: "/files/2026/summer/beach.jpg"},
		{name: "host", method: "GET", host: "admin.example.com", path: "/photos/42"},
		{name: "escaped", method: "GET", host: "example.com", path: "/photos/a%20b"},
		{name: "miss", method: "GET", host: "example.com", path: "/albums/1"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				set.Match(c.method, c.host, c.path)
			}
		})
	}
}

func BenchmarkMatchParallel(b *testing.B) {
	set := mustCompile(b, photoPolicy)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			set.Match("GET", "example.com", "/photos/42")
		}
	})
}

func BenchmarkCheckPath(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = CheckPath("/photos/2026/summer/a%20beach.jpg")
	}
}

func BenchmarkDecideAllow(b *testing.B) {
	set := mustCompile(b, photoPolicy)
	scopes := []string{"photos.read", "photos.write"}
	b.ReportAllocs()
	for b.Loop() {
		set.Decide("GET", "example.com", "/photos/42", scopes, true)
	}
}
