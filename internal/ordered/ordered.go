// Package ordered runs work on several goroutines and hands the results
// back in input order, the shape shared by the batch fit and the batch
// diagnostics. It is written here because the standard library and the
// dependencies hold no ordered parallel map: errgroup (golang.org/x/sync)
// bounds goroutines but neither orders results nor bounds those held.
package ordered

import (
	"context"
	"sync"
)

// Map calls work(ctx, k) for every k in [0, n) on workers goroutines (at
// least one), and emit(k, result) for each k in increasing order from the
// calling goroutine. Workers run ahead of emit by at most 4*workers results,
// which bounds the results held in memory. Map stops at the first error of
// work or emit, or when ctx is done, and returns that error (ctx.Err() for
// ctx); no emit is called after it. The ctx passed to work is cancelled
// when Map returns.
func Map[T any](ctx context.Context, n, workers int, work func(ctx context.Context, k int) (T, error), emit func(k int, r T) error) error {
	workers = max(workers, 1)
	ctx, cancel := context.WithCancel(ctx)
	type slot struct {
		r   T
		err error
	}
	// Each index gets its own channel so that results are emitted in
	// order while workers run ahead by at most a window of indices.
	out := make([]chan slot, n)
	for k := range out {
		out[k] = make(chan slot, 1)
	}
	window := make(chan struct{}, 4*workers)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				r, err := work(ctx, k)
				out[k] <- slot{r, err}
			}
		}()
	}
	go func() {
		defer close(next)
		for k := range n {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel() // releases the feeder and the workers
		wg.Wait()
	}()
	for k := range n {
		var s slot
		select {
		case s = <-out[k]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-window
		if s.err != nil {
			return s.err
		}
		if err := emit(k, s.r); err != nil {
			return err
		}
	}
	return nil
}
