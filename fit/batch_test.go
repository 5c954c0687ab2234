package fit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
)

// Batch runs its workers concurrently (this is the test the race detector
// has to watch in this package): it emits every result in input order, each
// the one Fit gives alone, reports progress once per cascade, and stops at
// the first error of emit or when its context is canceled.
func TestBatch(t *testing.T) {
	const T = 600
	cascades := make([]data.Cascade, 6)
	for i := range cascades {
		times, mags := synthetic(40+20*i, T, uint64(i+1))
		cascades[i] = data.Cascade{ID: fmt.Sprint("c", i), Times: times, Mags: mags}
	}
	ctx := context.Background()
	opts := BatchOptions{Options: Options{Starts: 2}, Workers: 3}
	var ids []string
	var progress []int
	opts.Progress = func(done, total int) {
		if total != len(cascades) {
			t.Errorf("progress total %d, want %d", total, len(cascades))
		}
		progress = append(progress, done)
	}
	sum, err := Batch(ctx, cascades, T, opts, func(c *data.Cascade, r Result) error {
		ids = append(ids, c.ID)
		want, err := Fit(ctx, c.Times, c.Mags, T, opts.Options)
		if err != nil {
			return err
		}
		if r != want {
			t.Errorf("%s: Batch gave %+v, Fit alone %+v", c.ID, r, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{"c0", "c1", "c2", "c3", "c4", "c5"}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("emitted %v, want %v", ids, wantIDs)
	}
	if !slices.Equal(progress, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("progress %v, want 1 to 6", progress)
	}
	total := 0
	for _, n := range sum.ByStatus {
		total += n
	}
	if sum.Cascades != len(cascades) || total != len(cascades) || len(sum.Evals) != len(cascades) {
		t.Errorf("summary %+v, want %d cascades", sum, len(cascades))
	}
	for i, e := range sum.Evals {
		if e <= 0 {
			t.Errorf("cascade %d: %d evaluations counted", i, e)
		}
	}

	stop := errors.New("stop")
	emitted := 0
	opts.Progress = nil
	sum, err = Batch(ctx, cascades, T, opts, func(*data.Cascade, Result) error {
		emitted++
		if emitted == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || emitted != 2 || sum.Cascades != 1 {
		t.Errorf("emit error: err %v after %d emits, summary %+v; want the error after 2 emits and 1 cascade counted", err, emitted, sum)
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = Batch(canceled, cascades, T, opts, func(*data.Cascade, Result) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: err %v, want context.Canceled", err)
	}
}

func TestMedianEvals(t *testing.T) {
	tests := []struct {
		evals []int
		want  float64
	}{
		{nil, 0},
		{[]int{7}, 7},
		{[]int{9, 1, 5}, 5},
		{[]int{10, 1, 4, 100}, 7},
	}
	for _, tc := range tests {
		s := Summary{Evals: tc.evals}
		if got := s.MedianEvals(); got != tc.want {
			t.Errorf("MedianEvals(%v) = %g, want %g", tc.evals, got, tc.want)
		}
	}
}
