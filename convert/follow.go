package convert

import (
	"context"
	"io"
	"os"
	"time"
)

// DefaultPoll is how often a followed file is checked for new lines.
const DefaultPoll = 200 * time.Millisecond

// Follow returns a reader of f that, like tail -f, waits at the end of
// the file for more to be written (checking every poll), and starts
// again from the beginning when the file is truncated. Its Read returns
// ctx's error once ctx is done.
func Follow(ctx context.Context, f *os.File, poll time.Duration) io.Reader {
	if poll <= 0 {
		poll = DefaultPoll
	}
	return &follower{ctx: ctx, f: f, poll: poll}
}

type follower struct {
	ctx  context.Context
	f    *os.File
	poll time.Duration
}

func (r *follower) Read(p []byte) (int, error) {
	for {
		if err := r.ctx.Err(); err != nil {
			return 0, err
		}
		n, err := r.f.Read(p)
		if n > 0 {
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if pos, err := r.f.Seek(0, io.SeekCurrent); err == nil {
			if st, err := r.f.Stat(); err == nil && st.Size() < pos {
				if _, err := r.f.Seek(0, io.SeekStart); err != nil {
					return 0, err
				}
				continue
			}
		}
		t := time.NewTimer(r.poll)
		select {
		case <-r.ctx.Done():
			t.Stop()
			return 0, r.ctx.Err()
		case <-t.C:
		}
	}
}
