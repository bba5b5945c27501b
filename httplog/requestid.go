package httplog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// HeaderRequestID is the response header that carries the request ID, so a
// user can quote it and an operator can find the matching log line.
const HeaderRequestID = "X-Request-Id"

// NewRequestID returns a fresh random request ID: 16 lower-case hex digits
// (64 bits from crypto/rand), enough to tell log lines apart.
func NewRequestID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails since Go 1.24
	var dst [16]byte
	hex.Encode(dst[:], b[:])
	return string(dst[:])
}

// idContext carries the request ID. A dedicated context type costs one
// allocation where context.WithValue would cost two (the node and the boxed
// string).
type idContext struct {
	context.Context
	id string
}

type idKey struct{}

func (c *idContext) Value(key any) any {
	if key == (idKey{}) {
		return c.id
	}
	return c.Context.Value(key)
}

// WithRequestID returns a copy of ctx that carries id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return &idContext{Context: ctx, id: id}
}

// RequestID returns the request ID carried by ctx, or "" when there is none.
func RequestID(ctx context.Context) string {
	if c, ok := ctx.(*idContext); ok {
		return c.id // the common case: no walk up the context chain
	}
	id, _ := ctx.Value(idKey{}).(string)
	return id
}
