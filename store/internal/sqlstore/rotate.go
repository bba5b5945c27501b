package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/scopegate/scopegate/store"
)

// Refresh token rotation, alone or, for databases with one writer, in
// group commits.
//
// A refresh is one small write transaction, and on SQLite most of its
// cost is the transaction itself: BEGIN, and a commit that appends every
// page it changed to the WAL. Concurrent rotations wait for the one
// writer anyway, so the waiting ones are run together: one transaction,
// one commit, and the pages they share (the last leaf of the table and of
// its expiry index) written once. Each rotation keeps its own outcome: a
// rotation whose successor fails, or whose successor collides, is undone
// inside the transaction before the next one runs, so it changes nothing;
// a failure of the transaction itself fails every rotation in it, and
// none is stored. This is the group commit of database logs (Gray and
// Reuter, "Transaction Processing: Concepts and Techniques"), applied to
// one statement pair.

// opRotate names the operation in the errors of a rotation.
const opRotate = "rotating refresh token"

// maxRotationBatch bounds how many rotations share a transaction, so that
// one commit, and the wait of the first caller in it, stays short.
const maxRotationBatch = 64

// rotation is one RotateRefreshToken call waiting for its batch.
type rotation struct {
	ctx       context.Context
	oldID     string
	now       time.Time
	successor func(old store.RefreshToken) (store.RefreshToken, error)

	// Set by the batch before done is closed.
	old store.RefreshToken
	err error
	// decided says that err is the rotation's own outcome (its
	// successor's refusal, its caller gone), which stands even if the
	// transaction later fails. A reuse or an unknown token is not: it was
	// read in the transaction, and a failed transaction answers for it, so
	// that no caller revokes a grant on a read that was rolled back.
	decided bool
	// panicked is what successor panicked with, for the caller to panic
	// with in its own goroutine, as it would have without batching.
	panicked any
	done     chan struct{}
}

// rotations is the queue of rotations waiting for the writer.
type rotations struct {
	mu      sync.Mutex
	queue   []*rotation
	leading bool // a goroutine is running batches
}

// rotateAlone is RotateRefreshToken in a transaction of its own: a batch
// of one, so that every backend rotates through the same code. The
// caller's context bounds the transaction.
func (s *Store) rotateAlone(ctx context.Context, oldID string, now time.Time,
	successor func(store.RefreshToken) (store.RefreshToken, error)) (store.RefreshToken, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	r := &rotation{ctx: ctx, oldID: oldID, now: now, successor: successor, done: make(chan struct{})}
	s.rotateBatch(ctx, []*rotation{r})
	return r.answer()
}

// rotateBatched queues the rotation and waits for its batch. The first
// caller to find nobody running batches starts a goroutine that runs them
// until the queue is empty, so that no caller's answer waits for
// rotations queued after its own batch.
func (s *Store) rotateBatched(ctx context.Context, oldID string, now time.Time,
	successor func(store.RefreshToken) (store.RefreshToken, error)) (store.RefreshToken, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	r := &rotation{ctx: ctx, oldID: oldID, now: now, successor: successor, done: make(chan struct{})}
	q := &s.rotations
	q.mu.Lock()
	q.queue = append(q.queue, r)
	lead := !q.leading
	q.leading = true
	q.mu.Unlock()
	if lead {
		go s.runRotationBatches()
	}
	select {
	case <-r.done:
		return r.answer()
	case <-ctx.Done():
	}
	// Gone before its batch began: leave the queue, nothing was done.
	q.mu.Lock()
	for i, w := range q.queue {
		if w == r {
			q.queue = append(q.queue[:i], q.queue[i+1:]...)
			q.mu.Unlock()
			return store.RefreshToken{}, s.errorf(opRotate, ctx.Err())
		}
	}
	q.mu.Unlock()
	// Its batch has it: the answer comes within the batch's deadline.
	<-r.done
	return r.answer()
}

func (r *rotation) answer() (store.RefreshToken, error) {
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.old, r.err
}

// callSuccessor calls r.successor, turning a panic into an error for the
// batch and a panic for r's caller: the batch goroutine must live on to
// answer the other rotations and release the transaction.
func (r *rotation) callSuccessor(old store.RefreshToken) (next store.RefreshToken, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked = p
			err = fmt.Errorf("sqlstore: refresh token successor panicked: %v", p)
		}
	}()
	return r.successor(old)
}

// runRotationBatches runs batches until the queue is empty.
func (s *Store) runRotationBatches() {
	q := &s.rotations
	for {
		// Let the requests that are ready to queue do so first: with one
		// CPU they would otherwise wait for this batch to end, and every
		// batch would hold one rotation.
		runtime.Gosched()
		q.mu.Lock()
		n := min(len(q.queue), maxRotationBatch)
		if n == 0 {
			q.leading = false
			q.mu.Unlock()
			return
		}
		batch := make([]*rotation, n)
		copy(batch, q.queue)
		q.queue = append(q.queue[:0], q.queue[n:]...)
		q.mu.Unlock()
		// The batch has a deadline of its own, as long as one call's: a
		// caller that gives up must not abort the others' rotations.
		ctx, cancel := s.bound(context.WithoutCancel(batch[0].ctx))
		s.rotateBatch(ctx, batch)
		cancel()
	}
}

// rotateBatch runs the rotations of batch in one transaction, bounded by
// ctx, and answers each of them.
func (s *Store) rotateBatch(ctx context.Context, batch []*rotation) {
	err := s.rotateInTx(ctx, batch)
	for _, r := range batch {
		if err != nil && !r.decided {
			r.old, r.err = store.RefreshToken{}, s.errorf(opRotate, err)
		}
		close(r.done)
	}
}

// refreshUnrotate undoes refreshRotate inside the transaction, for a
// rotation whose successor failed or could not be stored: rotated_at was
// NULL, or the rotation would not have matched.
const refreshUnrotate = `UPDATE refresh_tokens SET rotated_at = NULL WHERE id = ?`

// rotateInTx runs batch in one transaction. It returns an error only when
// the transaction failed, which undoes every rotation of the batch.
func (s *Store) rotateInTx(ctx context.Context, batch []*rotation) (err error) {
	s.warm(ctx, s.d.rebind(refreshRotate), s.d.rebind(refreshSelect), s.d.rebind(refreshInsert),
		s.d.rebind(refreshUnrotate))
	unlock, err := s.lockWrites(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	q := prepared{s: s, tx: tx}
	undo := func(id string) error {
		_, err := q.ExecContext(ctx, s.d.rebind(refreshUnrotate), id)
		return err
	}
	for _, r := range batch {
		if e := r.ctx.Err(); e != nil {
			// Its caller is gone: rotate nothing it cannot receive.
			r.err, r.decided = s.errorf(opRotate, e), true
			continue
		}
		old, err := scanRefresh(r.oldID, q.QueryRow(ctx, s.d.rebind(refreshRotate),
			toMicros(r.now), r.oldID, toMicros(r.now)))
		if errors.Is(err, sql.ErrNoRows) {
			// Nothing rotated: say why, from the row as it stands.
			old, err = s.readRefresh(ctx, q, r.oldID)
			switch {
			case err == nil && !old.RotatedAt.IsZero():
				r.old, r.err = old, s.errorf(opRotate, store.ErrConflict)
			case err == nil || errors.Is(err, sql.ErrNoRows):
				r.err = s.errorf(opRotate, store.ErrNotFound)
			default:
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		next, err := r.callSuccessor(old)
		if err != nil {
			r.old, r.err, r.decided = old, err, true
			if err := undo(old.ID); err != nil {
				return err
			}
			continue
		}
		if err := s.insertRefresh(ctx, q, next); err != nil {
			if !errors.Is(err, store.ErrConflict) {
				return err
			}
			r.old, r.err = old, s.errorf(opRotate+": storing its successor", err)
			if err := undo(old.ID); err != nil {
				return err
			}
			continue
		}
		r.old = old
	}
	return tx.Commit()
}
