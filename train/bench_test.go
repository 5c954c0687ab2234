package train

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// BenchmarkFit grows 100 trees on 5000 rows of 6 features.
func BenchmarkFit(b *testing.B) {
	X, y := cascadeData(5000, 1)
	for _, workers := range []int{1, 0} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Fit(context.Background(), X, y, Config{Trees: 100, Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchModel is a model of 200 trees on 5000 rows of 6 features.
func benchModel(b *testing.B) (*Model, [][]float64) {
	b.Helper()
	X, y := cascadeData(5000, 1)
	f, err := Fit(context.Background(), X, y, Config{Trees: 200})
	if err != nil {
		b.Fatal(err)
	}
	return &Model{Features: []string{"a", "b", "c", "d", "e", "f"}, Forest: f}, X
}

// BenchmarkPredict predicts one row with 200 trees.
func BenchmarkPredict(b *testing.B) {
	m, X := benchModel(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Forest.Predict(X[i])
		i = (i + 1) % len(X)
	}
}

// BenchmarkPredictBatch predicts 5000 rows into a reused slice.
func BenchmarkPredictBatch(b *testing.B) {
	m, X := benchModel(b)
	dst := make([]float64, len(X))
	b.ReportAllocs()
	for b.Loop() {
		dst = m.Forest.PredictBatch(dst, X)
	}
}

// BenchmarkMarshal and BenchmarkUnmarshal encode and decode the model as a
// Kafka message.
func BenchmarkMarshal(b *testing.B) {
	m, _ := benchModel(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		p, err := m.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		n = len(p)
	}
	b.ReportMetric(float64(n), "bytes")
}

func BenchmarkUnmarshal(b *testing.B) {
	m, _ := benchModel(b)
	p, err := m.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadModel(bytes.NewReader(p)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitBoost boosts trees on 5000 rows of 6 features with the
// default settings: five inner early-stopping runs and the final one.
func BenchmarkFitBoost(b *testing.B) {
	X, y := cascadeData(5000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitBoost(context.Background(), X, y, BoostConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBoostPredict predicts one row with a booster grown with the
// defaults on 5000 rows.
func BenchmarkBoostPredict(b *testing.B) {
	X, y := cascadeData(5000, 1)
	f, err := FitBoost(context.Background(), X, y, BoostConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Predict(X[i%len(X)])
		i++
	}
}

// BenchmarkFitFold grows one of evaluate's inner forests: 325 rows of 18
// features (12 numeric, 6 indicators, as the cascade features), 200 trees,
// one worker, with its out-of-bag predictions and quantiles.
func BenchmarkFitFold(b *testing.B) {
	X, y := indicatorData(325, 4)
	Xn, _ := cascadeData(325, 14)
	for i := range X {
		X[i] = append(X[i], Xn[i]...)
	}
	cfg := Config{Trees: 200, Seed: 1, Workers: 1}
	b.ReportAllocs()
	for b.Loop() {
		f, _, err := FitOOB(context.Background(), X, y, cfg)
		if err == nil {
			err = AddQuantiles(f, X, y, cfg)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBoostFold boosts trees as evaluate does on one outer fold: 406
// rows of 18 features, the default settings (20 inner runs, 4 depths by 5
// splits, then the final booster), one worker.
func BenchmarkBoostFold(b *testing.B) {
	X, y := wideData(406, 4)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := FitBoostOOB(context.Background(), X, y, BoostConfig{Workers: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDist computes the distributions an inner forest of evaluate
// gives its calibrations: the out-of-bag ones of its 325 training rows of
// 18 features (200 trees) and those of 81 held-out rows.
func BenchmarkDist(b *testing.B) {
	X, y := indicatorData(406, 4)
	Xn, _ := cascadeData(406, 14)
	for i := range X {
		X[i] = append(X[i], Xn[i]...)
	}
	Xt, yt, Xh := X[:325], y[:325], X[325:]
	f, _, err := FitQuantiles(context.Background(), Xt, yt, Config{Trees: 200, Seed: 1, Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.OOBDist(Xt); err != nil {
			b.Fatal(err)
		}
		if _, err := f.Dist(Xh); err != nil {
			b.Fatal(err)
		}
	}
}
