package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the
// write-ahead log into the database file.
const checkpointEvery = 250 * time.Millisecond

// checkpointTimeout bounds one checkpoint; an unfinished one is resumed by
// the next.
const checkpointTimeout = 10 * time.Second

// checkpointer runs PASSIVE checkpoints
// (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html) from its own
// goroutine. SQLite's automatic checkpoint runs inside the COMMIT of
// whichever write crosses its threshold, fsyncs included (synchronous
// NORMAL syncs at checkpoints, not at commits), and that COMMIT still holds
// sqlstore's in-process writer queue: every queued refresh rotation waited
// for the copy and the syncs. A passive checkpoint waits for no reader or
// writer, and no writer waits for it. The automatic one stays, at a higher
// threshold (connParams), as a backstop should this one fall behind.
type checkpointer struct {
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

func startCheckpointer(db *sql.DB, every time.Duration) *checkpointer {
	c := &checkpointer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), checkpointTimeout)
			// A failure (another process checkpointing, a locked or
			// vanished file) is left to the next tick, to the backstop,
			// and to the store's own calls to report.
			_, _ = db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			cancel()
		}
	}()
	return c
}

// close stops the checkpointer and waits for a checkpoint under way.
func (c *checkpointer) close() {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
}
