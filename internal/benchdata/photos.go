// Package benchdata holds the inputs that the proxy's Go benchmarks and
// the load test in bench/ share, so that both measure the same bytes.
package benchdata

import (
	"fmt"
	"strings"
	"sync"
)

// PhotoList is a legacy photo API's answer listing 1,000 photos, some
// 230 KB of JSON: the list a filter route narrows to the picked ones.
var PhotoList = sync.OnceValue(func() []byte {
	var b strings.Builder
	b.WriteString(`{"photos":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","title":"Photo number %d","taken":"2024-05-%02dT10:00:00Z","width":4032,"height":3024,"camera":"Pixel 8","tags":["holiday","beach","family"],"album":"Summer %d","caption":"A picture with some words describing it at length"}`, i, i, i%28+1, i%7)
	}
	b.WriteString(`],"total":1000}`)
	return []byte(b.String())
})
