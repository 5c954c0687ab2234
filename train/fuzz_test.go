package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// fuzzSeeds returns small valid model files.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, n := range []int{12, 40} {
		X, y := cascadeData(n, 21)
		forest, err := Fit(context.Background(), X, y, Config{Trees: 2, MinLeaf: 2, Workers: 1})
		if err != nil {
			f.Fatal(err)
		}
		m := &Model{Window: 60, Features: []string{"a", "b", "c", "d", "e", "f"}, Target: "w", Forest: forest, TrainedOn: n}
		b, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	// A boosted model: version 2, with combine and boost in the header.
	X, y := cascadeData(30, 22)
	cfg := BoostConfig{Rounds: 3, MaxDepth: 2, MinLeaf: 2}
	boosted, err := FitBoost(context.Background(), X, y, cfg)
	if err != nil {
		f.Fatal(err)
	}
	m := &Model{Window: 60, Features: []string{"a", "b", "c", "d", "e", "f"}, Target: "log_ratio", Boost: &cfg, Forest: boosted, TrainedOn: 30}
	b, err := m.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, b)
	// A quantile regression forest: version 3, with the quantiles section.
	X, y = cascadeData(16, 23)
	qcfg := Config{Trees: 2, MinLeaf: 2, Workers: 1}
	qf, err := Fit(context.Background(), X, y, qcfg)
	if err != nil {
		f.Fatal(err)
	}
	if err := AddQuantiles(qf, X, y, qcfg); err != nil {
		f.Fatal(err)
	}
	m = &Model{Window: 60, Features: []string{"a", "b", "c", "d", "e", "f"}, Target: "log_ratio", Forest: qf, TrainedOn: 16,
		Interval: &Interval{Level: 0.8, QLo: 0.15, QHi: 0.85}}
	b, err = m.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, b)
	// The same with an interval binned by predicted size: version 5.
	m.Interval = &Interval{Level: 0.8, QLo: 0.1, QHi: 0.9, Bins: &IntervalBins{Edges: []float64{1}, Lo: []float64{-0.1, 0.2}, Hi: []float64{0.3, -0.1}}}
	b, err = m.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	return append(seeds, b)
}

// FuzzReadModel feeds ReadModel arbitrary bytes, and the same bytes with
// their checksum set right so that the header and body parsers are reached.
// It must never panic, a model it accepts must round-trip, and ReadModelAll
// must accept exactly the inputs ReadModel accepts and reads to the end.
func FuzzReadModel(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
		f.Add(s[:len(s)/2])
	}
	f.Add([]byte{})
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		tries := [][]byte{data}
		if len(data) >= 4 {
			fixed := bytes.Clone(data)
			n := len(fixed) - 4
			binary.BigEndian.PutUint32(fixed[n:], crc32.Checksum(fixed[:n], castagnoli))
			tries = append(tries, fixed)
		}
		for _, b := range tries {
			r := bytes.NewReader(b)
			m, err := ReadModel(r)
			_, errAll := ReadModelAll(bytes.NewReader(b))
			if want := err == nil && r.Len() == 0; (errAll == nil) != want {
				t.Fatalf("ReadModelAll: err %v; ReadModel: err %v with %d bytes left", errAll, err, r.Len())
			}
			if err != nil {
				continue
			}
			if err := m.Forest.Validate(); err != nil {
				t.Fatalf("ReadModel accepted an invalid forest: %v", err)
			}
			x := make([]float64, m.Forest.NFeatures)
			p := m.Forest.Predict(x)
			again, err := m.MarshalBinary()
			if err != nil {
				t.Fatalf("accepted model does not encode: %v", err)
			}
			var m2 Model
			if err := m2.UnmarshalBinary(again); err != nil {
				t.Fatalf("re-encoded model does not decode: %v", err)
			}
			if p2 := m2.Forest.Predict(x); p2 != p && !(p != p && p2 != p2) {
				t.Fatalf("prediction %v after re-encoding, %v before", p2, p)
			}
			if m.Forest.Quantiles != nil {
				taus := []float64{0.1, 0.5, 0.9}
				q1 := m.Forest.PredictQuantiles(nil, x, taus)
				q2 := m2.Forest.PredictQuantiles(nil, x, taus)
				for k := range q1 {
					if q1[k] != q2[k] && !(q1[k] != q1[k] && q2[k] != q2[k]) {
						t.Fatalf("quantiles %v after re-encoding, %v before", q2, q1)
					}
				}
			}
		}
	})
}

// FuzzDecodeForest feeds the body decoder arbitrary bytes, past the
// checksum and the decompressor.
func FuzzDecodeForest(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		_, raw := parts(f, s)
		f.Add(raw)
	}
	f.Add([]byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		forest, err := decodeForest(raw, false)
		if err != nil {
			// The same bytes as a version 3 body, with quantiles.
			if qf, err := decodeForest(raw, true); err == nil {
				qf.PredictQuantiles(nil, make([]float64, qf.NFeatures), []float64{0.5})
				if _, err := decodeForest(encodeForest(qf), true); err != nil {
					t.Fatalf("re-encoded quantile forest does not decode: %v", err)
				}
			}
		}
		if err != nil {
			return
		}
		forest.Importance = make([]float64, forest.NFeatures)
		if err := forest.Validate(); err != nil {
			t.Fatalf("decodeForest accepted an invalid forest: %v", err)
		}
		forest.Predict(make([]float64, forest.NFeatures))
		again, err := decodeForest(encodeForest(forest), false)
		if err != nil {
			t.Fatalf("re-encoded forest does not decode: %v", err)
		}
		again.Importance = forest.Importance
		for ti := range forest.Trees {
			if len(again.Trees[ti].Nodes) != len(forest.Trees[ti].Nodes) {
				t.Fatalf("tree %d changed size on re-encoding", ti)
			}
		}
	})
}
