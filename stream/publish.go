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
// from ctx, is cancelled at p's first error, and fence, when not nil, is
// called then. Call close once sending ends.
//
// The replay's fence closes the producer's client, so that no message the
// producer still holds can land after one that failed: sarama fails at
// once a message whose partition has no leader it can find (every broker
// down), and would send the next ones of the partition when the brokers
// are back, leaving a gap in the partition that a resumed replay could
// only fill out of order.
func newPublisher(ctx context.Context, p sarama.AsyncProducer, fence func()) (*publisher, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	pb := &publisher{p: p, cancel: cancel}
	pb.wg.Go(func() {
		for e := range p.Errors() {
			pb.answered.Add(1)
			pb.once.Do(func() {
				pb.err = e.Err
				cancel()
				if fence != nil {
					fence()
				}
			})
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

// patientClient is the replay producer's client: its metadata refresh and
// leader look-ups, which sarama's producer makes when a partition has lost
// its leader, retry with backoff (0.5 s doubling to 5 s) for up to
// timeout, while ctx is live and the client open, instead of failing at
// once. sarama fails a message at once when it finds no leader (every
// broker down) and sends the next ones of its partition when the brokers
// are back, which leaves a gap in the partition; waiting here keeps the
// partition's messages in order through a whole-cluster restart.
type patientClient struct {
	sarama.Client
	ctx     context.Context
	timeout time.Duration
}

// retry calls f until it succeeds, fails for good (fatal), or timeout
// has passed, ctx is done or the client is closed.
func (c patientClient) retry(f func() error) error {
	deadline := time.Now().Add(c.timeout)
	backoff := 500 * time.Millisecond
	for {
		err := f()
		if err == nil || fatal(err) || c.ctx.Err() != nil || c.Client.Closed() || time.Now().Add(backoff).After(deadline) {
			return err
		}
		select {
		case <-c.ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (c patientClient) RefreshMetadata(topics ...string) error {
	return c.retry(func() error { return c.Client.RefreshMetadata(topics...) })
}

func (c patientClient) Leader(topic string, partition int32) (b *sarama.Broker, err error) {
	err = c.retry(func() error {
		b, err = c.Client.Leader(topic, partition)
		return err
	})
	return b, err
}

func (c patientClient) LeaderAndEpoch(topic string, partition int32) (b *sarama.Broker, epoch int32, err error) {
	err = c.retry(func() error {
		b, epoch, err = c.Client.LeaderAndEpoch(topic, partition)
		return err
	})
	return b, epoch, err
}
