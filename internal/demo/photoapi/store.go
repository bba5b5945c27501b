package photoapi

import (
	"slices"
	"strconv"
	"sync"
	"time"
)

// Photo is the JSON shape of a photo's metadata.
type Photo struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	TakenAt time.Time `json:"taken_at"`
	Width   int       `json:"width"`
	Height  int       `json:"height"`
}

// stored is a photo with its owner and its encoded bytes.
type stored struct {
	Photo
	owner       string
	contentType string
	full, thumb []byte
}

// store keeps photos in memory; one mutex is plenty for a demo.
type store struct {
	mu     sync.RWMutex
	photos []*stored // in insertion order, so listings are stable
	nextID int
}

func (s *store) add(p *stored) Photo {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	p.ID = strconv.Itoa(s.nextID)
	s.photos = append(s.photos, p)
	return p.Photo
}

// get returns the photo only if owner owns it: another user's photo looks missing.
func (s *store) get(owner, id string) (*stored, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, p := range s.photos {
		if p.ID == id && p.owner == owner {
			return p, true
		}
	}
	return nil, false
}

func (s *store) list(owner string) []Photo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []Photo{}
	for _, p := range s.photos {
		if p.owner == owner {
			out = append(out, p.Photo)
		}
	}
	return out
}

func (s *store) remove(owner, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.photos, func(p *stored) bool { return p.ID == id && p.owner == owner })
	if i < 0 {
		return false
	}
	s.photos = slices.Delete(s.photos, i, i+1)
	return true
}

func (s *store) count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.photos)
}
