package stream

import (
	"context"
	"fmt"
	"testing"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
)

// loadSeismic loads seismic_subset or skips.
func loadSeismic(b *testing.B) []data.Cascade {
	b.Helper()
	cs, err := data.LoadDir(context.Background(), shared.Path(b, "seismic_subset"))
	if err != nil {
		b.Fatal(err)
	}
	return cs
}

// benchRun replays cascades unpaced through the whole pipeline on a fresh
// embedded broker per iteration and reports events per second.
func benchRun(b *testing.B, cascades []data.Cascade, fo FitterOptions) {
	events := 0
	for i := range cascades {
		events += cascades[i].Len()
	}
	b.ResetTimer()
	for range b.N {
		sum, err := Run(context.Background(), cascades, Options{Topics: DefaultTopics(), Fitter: fo})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Events != events {
			b.Fatalf("%d events, want %d", sum.Events, events)
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIngest is the pipeline's ingest rate with fitting excluded: the
// unpaced replay of seismic_subset through reader, fitter (no fits),
// trainer and alerts on the embedded broker.
func BenchmarkIngest(b *testing.B) {
	benchRun(b, loadSeismic(b), FitterOptions{SkipFit: true})
}

// BenchmarkStreamSeismic is the unpaced replay of seismic_subset with fits on
// windows 600 and 3600, to compare with hawkes fit on the same windows.
func BenchmarkStreamSeismic(b *testing.B) {
	benchRun(b, loadSeismic(b), FitterOptions{Windows: []float64{600, 3600}})
}

// nopHooks is a tracker's hooks that do nothing, to time the tracker alone.
type nopHooks struct{}

func (nopHooks) window(*cascade, int) error { return nil }
func (nopHooks) finish(*cascade) error      { return nil }

// BenchmarkFitterMessage is a fitter's per-message path without fits or
// publications: the size check, the decoding and the tracker (max-skew
// included), on events of 100 interleaved cascades of 100 events each.
func BenchmarkFitterMessage(b *testing.B) {
	var msgs []*sarama.ConsumerMessage
	for i := range 100 {
		for c := range 100 {
			id := fmt.Sprint("RT", c)
			msgs = append(msgs, &sarama.ConsumerMessage{Key: []byte(id), Value: AppendEvent(nil, id, i, float64(c), float64(i), 1500)})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; {
		tr := newTracker(trackerConfig{windows: DefaultWindows(), terminated: DefaultTerminated, maxSkew: DefaultMaxSkew}, nopHooks{})
		for i, m := range msgs {
			if n == b.N {
				break
			}
			r, err := decodeMessage(m, MaxMessageBytes, DecodeRetweet)
			if err == nil {
				err = tr.handle(&r, int64(i))
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
}

// BenchmarkAppendEvent is the reader's per-event encoding.
func BenchmarkAppendEvent(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 96)
	for range b.N {
		buf = AppendEvent(buf[:0], "SMH-cascade-12", 37, 43233.5, 1234.25, 1500)
	}
}
