package ordered

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestMapOrder(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n, workers int
	}{
		{"none", 0, 2},
		{"one worker", 50, 1},
		{"more workers than work", 3, 8},
		{"zero workers means one", 10, 0},
		{"many", 500, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			err := Map(context.Background(), tc.n, tc.workers,
				func(_ context.Context, k int) (int, error) {
					// Later indices finish first, so order comes from Map.
					time.Sleep(time.Duration((tc.n-k)%5) * 100 * time.Microsecond)
					return k * k, nil
				},
				func(k, r int) error {
					if r != k*k {
						t.Errorf("result %d for index %d", r, k)
					}
					got = append(got, k)
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n {
				t.Fatalf("%d results emitted, want %d", len(got), tc.n)
			}
			for i, k := range got {
				if k != i {
					t.Fatalf("emitted index %d at position %d", k, i)
				}
			}
		})
	}
}

func TestMapErrors(t *testing.T) {
	errWork := errors.New("work failed")
	errEmit := errors.New("emit failed")
	for _, tc := range []struct {
		name     string
		failWork int // index whose work fails, -1 for none
		failEmit int // index whose emit fails, -1 for none
		want     error
		emitted  int
	}{
		{"work fails", 7, -1, errWork, 7},
		{"emit fails", -1, 3, errEmit, 3},
		{"work fails before emit would", 2, 5, errWork, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emitted := 0
			err := Map(context.Background(), 100, 3,
				func(_ context.Context, k int) (int, error) {
					if k == tc.failWork {
						return 0, errWork
					}
					return k, nil
				},
				func(k, _ int) error {
					if k == tc.failEmit {
						return errEmit
					}
					emitted++
					return nil
				})
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if emitted != tc.emitted {
				t.Errorf("%d emitted, want %d", emitted, tc.emitted)
			}
		})
	}
}

// TestMapBoundedAndCancelled checks that workers run at most 4*workers
// indices ahead of a stalled emit, and that cancelling ctx ends Map with
// ctx.Err() and releases every worker.
func TestMapBoundedAndCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int64
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Map(ctx, 1000, 2,
			func(ctx context.Context, k int) (int, error) {
				started.Add(1)
				return k, nil
			},
			func(k, _ int) error {
				if k == 0 {
					<-release // emit stalls on the first result
				}
				return nil
			})
	}()
	time.Sleep(50 * time.Millisecond)
	if got := started.Load(); got > 4*2+1 {
		t.Errorf("%d indices started while emit stalled, want at most %d", got, 4*2+1)
	}
	cancel()
	close(release)
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Map did not return after cancel")
	}
}
