package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hawkes-toolkit/hawkes/internal/golden"
)

// testModel fits a small model on cascadeData.
func testModel(t testing.TB, n, trees int) (*Model, [][]float64) {
	t.Helper()
	X, y := cascadeData(n, 11)
	cfg := Config{Trees: trees, Seed: 5}
	f, err := Fit(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ = cfg.Resolve(len(X[0]))
	cfg.Workers = 0 // machine-dependent, and without effect on the forest
	return &Model{
		Window: 3600, Features: []string{"c", "theta", "A1", "n_star", "n", "growth"}, Target: "w",
		Config: cfg, Forest: f, TrainedOn: n, Created: time.Date(2025, 3, 1, 12, 0, 0, 5, time.UTC),
	}, X
}

// sameModel reports how a and b differ, treating NaNs as equal.
func sameModel(t *testing.T, got, want *Model) {
	t.Helper()
	g, w := *got, *want
	gf, wf := *g.Forest, *w.Forest
	for _, p := range []*float64{&gf.OOBStats.MSE, &gf.OOBStats.R2, &wf.OOBStats.MSE, &wf.OOBStats.R2} {
		if math.IsNaN(*p) {
			*p = -12345
		}
	}
	g.Forest, w.Forest = &gf, &wf
	g.Version, w.Version = 0, 0
	if !reflect.DeepEqual(g, w) {
		t.Errorf("model read back differs:\n got %+v\nwant %+v", g, w)
	}
	if !reflect.DeepEqual(gf, wf) {
		t.Errorf("forest read back differs")
	}
}

func TestModelRoundTrip(t *testing.T) {
	small, X := testModel(t, 300, 20)
	constant := &Model{Features: []string{"a"}, Forest: &Forest{
		NFeatures: 1, Offset: 0.1, Importance: []float64{0},
		Trees:    []Tree{{Nodes: []Node{{Feature: -1}}}, {Nodes: []Node{{Feature: -1, Value: -0.25}}}},
		OOBStats: OOBStats{MSE: math.NaN(), R2: math.NaN()},
	}}
	// Thresholds of both signs, -0, and extreme float32 values; a feature
	// without splits; leaf values of all magnitudes.
	odd := &Model{Window: -1, Features: []string{"a", "b", "c"}, Target: "y\n\"quoted\"", Shift: -0.1484375, Forest: &Forest{
		NFeatures: 3, Offset: -1e300, Importance: []float64{0.5, 0, 0.5},
		OOBStats: OOBStats{MSE: math.Inf(1), R2: math.Inf(-1), N: 3},
		Trees: []Tree{{Nodes: []Node{
			{Feature: 2, Left: 1, Value: float32(math.Copysign(0, -1))},
			{Feature: 0, Left: 3, Value: -math.MaxFloat32},
			{Feature: 2, Left: 5, Value: math.SmallestNonzeroFloat32},
			{Feature: -1, Value: -0x1.fffep127}, // largest leaf magnitude with 16 bits
			{Feature: -1, Value: 0x1p-126},
			{Feature: 0, Left: 7, Value: 3},
			{Feature: -1, Value: -1.5},
			{Feature: -1, Value: 0x1.8p100},
			{Feature: -1, Value: 0},
		}}},
	}}
	for _, tc := range []struct {
		name string
		m    *Model
	}{{"fitted", small}, {"constant", constant}, {"odd", odd}} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.m.Forest.Validate(); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := tc.m.Write(&buf); err != nil {
				t.Fatal(err)
			}
			// A second model after the first: ReadModel must stop at the
			// end of the first.
			if err := tc.m.Write(&buf); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				got, err := ReadModel(&buf)
				if err != nil {
					t.Fatalf("model %d: %v", i, err)
				}
				if got.Version != 1 {
					t.Errorf("Version = %d, want 1 (a forest)", got.Version)
				}
				sameModel(t, got, tc.m)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes left after two models", buf.Len())
			}
			b, err := tc.m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var m Model
			if err := m.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			sameModel(t, &m, tc.m)
		})
	}
	// Predictions are identical, bit for bit.
	b, _ := small.MarshalBinary()
	var m Model
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	for i, x := range X {
		if got, want := m.Forest.Predict(x), small.Forest.Predict(x); got != want {
			t.Fatalf("row %d: prediction %v after the round trip, %v before", i, got, want)
		}
	}
}

// TestModelSize checks that the forest of SPEC section 4's size fits a
// Kafka message.
func TestModelSize(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 200 trees on 5000 rows")
	}
	m, _ := testModel(t, 5000, 200)
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	nodes := m.Forest.NumNodes()
	t.Logf("200 trees on 5000 x 6: %d nodes, %d bytes (%.2f bytes a node)", nodes, len(b), float64(len(b))/float64(nodes))
	// Kafka's default message limit is 1 MiB (message.max.bytes 1048588).
	// About 790 KB was measured; 900 000 keeps more than 140 KB for the
	// message's own overhead and is well below the limit.
	if len(b) > 900_000 {
		t.Errorf("model of %d bytes, want <= 900000", len(b))
	}
}

// assemble builds a model file from a JSON header and an uncompressed body
// with a correct checksum, to reach the checks behind it.
func assemble(version uint16, header, raw []byte) []byte {
	var body bytes.Buffer
	zw, _ := flateWriter(&body)
	zw.Write(raw)
	zw.Close()
	out := []byte(Magic)
	out = binary.BigEndian.AppendUint16(out, version)
	out = binary.BigEndian.AppendUint32(out, uint32(len(header)))
	out = append(out, header...)
	out = binary.BigEndian.AppendUint32(out, uint32(body.Len()))
	out = append(out, body.Bytes()...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// parts splits a model file into its JSON header and inflated body.
func parts(t testing.TB, b []byte) (header map[string]any, raw []byte) {
	t.Helper()
	hl := binary.BigEndian.Uint32(b[6:])
	if err := json.Unmarshal(b[10:10+hl], &header); err != nil {
		t.Fatal(err)
	}
	bl := binary.BigEndian.Uint32(b[10+hl:])
	raw, err := io.ReadAll(flateReader(bytes.NewReader(b[14+hl : 14+hl+bl])))
	if err != nil {
		t.Fatal(err)
	}
	return header, raw
}

func TestReadModelErrors(t *testing.T) {
	m, _ := testModel(t, 100, 3)
	good, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	header, raw := parts(t, good)
	withHeader := func(edit func(h map[string]any)) []byte {
		h := make(map[string]any)
		for k, v := range header {
			h[k] = v
		}
		f := make(map[string]any)
		for k, v := range header["forest"].(map[string]any) {
			f[k] = v
		}
		h["forest"] = f
		edit(h)
		hj, _ := json.Marshal(h)
		return assemble(1, hj, raw)
	}
	hj, _ := json.Marshal(header)
	patch := func(b []byte, off int, v ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[off:], v)
		return c
	}
	cases := []struct {
		name string
		data []byte
		want error
		text string // in the message
	}{
		{"empty", nil, ErrTruncated, "magic"},
		{"text", []byte("w,c,theta\n1,2,3\n"), ErrNotModel, `"w,c,"`},
		{"other magic", patch(good, 0, 'H', 'K', 'R', 'X'), ErrNotModel, "HKRX"},
		{"version 6", patch(good, 4, 0, 6), ErrVersion, "version 6"},
		{"version 0", patch(good, 4, 0, 0), ErrVersion, "version 0"},
		{"header too long", patch(good, 6, 0x7f, 0, 0, 0), ErrCorrupt, "limit"},
		{"header length past end", patch(good, 6, 0, 1, 0, 0), ErrTruncated, "header"},
		{"bad checksum", patch(good, len(good)-1, good[len(good)-1]^1), ErrCorrupt, "checksum"},
		{"flipped body byte", patch(good, len(good)-20, good[len(good)-20]^0x40), ErrCorrupt, "checksum"},
		{"trailing bytes", append(bytes.Clone(good), 0), ErrCorrupt, "after the model"},
		{"header not JSON", assemble(1, []byte("{"), raw), ErrCorrupt, "header"},
		{"body not DEFLATE", func() []byte {
			b := assemble(1, hj, raw)
			hl := binary.BigEndian.Uint32(b[6:])
			b[14+hl] = 0xff // reserved block type
			b = b[:len(b)-4]
			return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
		}(), ErrCorrupt, "body"},
		{"raw size mismatch", withHeader(func(h map[string]any) { h["forest"].(map[string]any)["raw_bytes"] = 10 }), ErrCorrupt, "inflates"},
		{"raw size huge", withHeader(func(h map[string]any) { h["forest"].(map[string]any)["raw_bytes"] = 1 << 40 }), ErrCorrupt, "raw body"},
		{"tree count mismatch", withHeader(func(h map[string]any) { h["forest"].(map[string]any)["trees"] = 4 }), ErrCorrupt, "4 trees"},
		{"feature names", withHeader(func(h map[string]any) { h["features"] = []string{"a"} }), ErrCorrupt, "feature names"},
		{"importances", withHeader(func(h map[string]any) { h["forest"].(map[string]any)["importance"] = []float64{1} }), ErrCorrupt, "importances"},
		{"importance NaN", withHeader(func(h map[string]any) {
			h["forest"].(map[string]any)["importance"] = []any{"NaN", 0, 0, 0, 0, 0}
		}), ErrCorrupt, "header"},
		{"bad OOB", withHeader(func(h map[string]any) { h["forest"].(map[string]any)["oob"] = map[string]any{"mse": "x"} }), ErrCorrupt, "bad number"},
		{"bad time", withHeader(func(h map[string]any) { h["created"] = "yesterday" }), ErrCorrupt, "header"},
		{"body truncated", assemble(1, func() []byte {
			h := withHeader(func(h map[string]any) { h["forest"].(map[string]any)["raw_bytes"] = len(raw) - 1 })
			hh, _ := parts(t, h)
			b, _ := json.Marshal(hh)
			return b
		}(), raw[:len(raw)-1]), ErrCorrupt, "leaf values"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m Model
			err := m.UnmarshalBinary(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %q, want it to mention %q", err, tc.text)
			}
			if m.Forest != nil {
				t.Error("UnmarshalBinary changed the model on error")
			}
		})
	}

	// Every proper prefix is truncated; every flipped bit is caught.
	for n := range len(good) {
		if _, err := ReadModel(bytes.NewReader(good[:n])); !errors.Is(err, ErrTruncated) {
			t.Fatalf("prefix of %d bytes: err = %v, want ErrTruncated", n, err)
		}
	}
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 1 << (i % 8)
		_, err := ReadModel(bytes.NewReader(bad))
		if err == nil || !(errors.Is(err, ErrNotModel) || errors.Is(err, ErrVersion) || errors.Is(err, ErrTruncated) || errors.Is(err, ErrCorrupt)) {
			t.Fatalf("bit flipped in byte %d: err = %v", i, err)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	m, _ := testModel(t, 100, 2)
	cases := []struct {
		name string
		edit func(m *Model)
		text string
	}{
		{"no forest", func(m *Model) { m.Forest = nil }, "no forest"},
		{"feature names", func(m *Model) { m.Features = m.Features[:5] }, "5 feature names"},
		{"NaN window", func(m *Model) { m.Window = math.NaN() }, "window"},
		{"invalid forest", func(m *Model) { m.Forest = &Forest{NFeatures: 6} }, "no trees"},
		{"NaN sample fraction", func(m *Model) { m.Config.SampleFrac = math.NaN() }, "header"},
		{"infinite shift", func(m *Model) { m.Shift = math.Inf(-1) }, "shift"},
	}
	for _, tc := range cases {
		c := *m
		tc.edit(&c)
		var buf bytes.Buffer
		err := c.Write(&buf)
		if err == nil || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.text)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: %d bytes written with an error", tc.name, buf.Len())
		}
	}
	if err := m.Write(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: err = %v", err)
	}
}

// goldenRows are the rows whose predictions the golden file records.
var goldenRows = [][]float64{
	{1, 0.5, 100, 0.7, 10, 0.2},
	{0.1, 0.2, 1e-3, 0.1, 1, 0.9},
	{5, 0.8, 1e6, 0.95, 300, 0.5},
	{0, 0, 0, 0, 0, 0},
}

// TestGoldenV1 reads a version 1 model file kept in testdata, so that a
// change that stops this package reading the files it wrote is caught. Run
// with -update to write it anew (only when the format version changes).
func TestGoldenV1(t *testing.T) {
	file := filepath.Join("testdata", "model_v1.hkrf")
	predFile := filepath.Join("testdata", "model_v1_predictions.json")
	if golden.Update() {
		m, _ := testModel(t, 200, 8)
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		preds := m.Forest.PredictBatch(nil, goldenRows)
		pj, _ := json.MarshalIndent(preds, "", "  ")
		golden.Write(t, file, b)
		golden.Write(t, predFile, append(pj, '\n'))
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pj, err := os.ReadFile(predFile)
	if err != nil {
		t.Fatal(err)
	}
	var want []float64
	if err := json.Unmarshal(pj, &want); err != nil {
		t.Fatal(err)
	}
	var m Model
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if m.Version != 1 || len(m.Forest.Trees) != 8 || m.Target != "w" || m.Window != 3600 {
		t.Errorf("golden model: version %d, %d trees, target %q, window %v", m.Version, len(m.Forest.Trees), m.Target, m.Window)
	}
	// Prediction compares and adds float32 values in a fixed order: the
	// numbers are exact on every platform.
	for i, x := range goldenRows {
		if got := m.Forest.Predict(x); got != want[i] {
			t.Errorf("row %d: prediction %v, golden %v", i, got, want[i])
		}
	}
}

// TestGoldenV3 reads a version 3 model file, a quantile regression forest,
// kept in testdata: its predictions and its quantiles 0.15 and 0.85 at the
// golden rows must be those it was written with. Run with -update to write
// it anew (only when the format version changes).
func TestGoldenV3(t *testing.T) {
	file := filepath.Join("testdata", "model_v3.hkrf")
	predFile := filepath.Join("testdata", "model_v3_predictions.json")
	taus := []float64{0.15, 0.85}
	predict := func(f *Forest) [][3]float64 {
		out := make([][3]float64, len(goldenRows))
		for i, x := range goldenRows {
			q := f.PredictQuantiles(nil, x, taus)
			out[i] = [3]float64{f.Predict(x), q[0], q[1]}
		}
		return out
	}
	if golden.Update() {
		m, X := testModel(t, 200, 8)
		_, y := cascadeData(200, 11)
		if err := AddQuantiles(m.Forest, X, y, m.Config); err != nil {
			t.Fatal(err)
		}
		m.Interval = &Interval{Level: 0.8, QLo: 0.15, QHi: 0.85}
		m.Target = "log_ratio"
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		pj, _ := json.MarshalIndent(predict(m.Forest), "", "  ")
		golden.Write(t, file, b)
		golden.Write(t, predFile, append(pj, '\n'))
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pj, err := os.ReadFile(predFile)
	if err != nil {
		t.Fatal(err)
	}
	var want [][3]float64
	if err := json.Unmarshal(pj, &want); err != nil {
		t.Fatal(err)
	}
	var m Model
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if m.Version != 3 || m.Forest.Quantiles == nil || len(m.Forest.Quantiles.Y) != 200 || m.Interval == nil || m.Interval.QHi != 0.85 {
		t.Fatalf("golden model: version %d, quantiles %v, interval %+v", m.Version, m.Forest.Quantiles != nil, m.Interval)
	}
	got := predict(m.Forest)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: prediction and quantiles %v, golden %v", i, got[i], want[i])
		}
	}
	// The same model read as version 2 has bytes after its forest.
	b2 := bytes.Clone(b)
	binary.BigEndian.PutUint16(b2[len(Magic):], 2)
	binary.BigEndian.PutUint32(b2[len(b2)-4:], crc32.Checksum(b2[:len(b2)-4], castagnoli))
	if _, err := ReadModelAll(bytes.NewReader(b2)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("version 3 body read as version 2: err %v, want ErrCorrupt", err)
	}
}
