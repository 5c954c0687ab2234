package stream

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
)

// publisher is the readers' asynchronous producer (replay and live feed):
// its first error cancels the run, and it closes only once every message
// given to it is acknowledged or failed. sarama fails the batches it is
// retrying once it is closing (ErrShuttingDown), and a batch is retried
// while its partition's leader moves, when a broker of the cluster has
// died. The producer's config must return successes (newConfig's does).
type publisher struct {
	p        sarama.AsyncProducer
	cancel   context.CancelFunc
	sent     int // messages given to the producer (one goroutine sends)
	answered atomic.Int64
	acked    atomic.Int64 // messages acknowledged
	once     sync.Once
	err      error // the first error of the producer
	wg       sync.WaitGroup
}

// newPublisher starts reading p's answers; the returned context, derived
// from ctx, is cancelled at p's first error. Call close once sending ends.
func newPublisher(ctx context.Context, p sarama.AsyncProducer) (*publisher, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	pb := &publisher{p: p, cancel: cancel}
	pb.wg.Go(func() {
		for e := range p.Errors() {
			pb.answered.Add(1)
			pb.once.Do(func() { pb.err = e.Err; cancel() })
		}
	})
	pb.wg.Go(func() {
		for range p.Successes() {
			pb.acked.Add(1)
			pb.answered.Add(1)
		}
	})
	return pb, ctx
}

// send gives m to the producer, or returns ctx.Err() when ctx is done first.
func (pb *publisher) send(ctx context.Context, m *sarama.ProducerMessage) error {
	select {
	case pb.p.Input() <- m:
		pb.sent++
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close waits, when err is nil, until every message sent is answered (or
// ctx is done), then closes the producer. It returns the producer's first
// error, else err, else ctx's error if the wait was cut short.
func (pb *publisher) close(ctx context.Context, err error) error {
	for err == nil && pb.answered.Load() < int64(pb.sent) {
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	pb.p.AsyncClose()
	pb.wg.Wait()
	pb.cancel()
	if pb.err != nil {
		return fmt.Errorf("publish: %w", pb.err)
	}
	return err
}
