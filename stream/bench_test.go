package stream

import (
	"context"
	"testing"

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
