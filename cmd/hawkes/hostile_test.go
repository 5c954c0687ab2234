package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/train"
)

// tinyModel returns a model of window 600 on the features of this build,
// with a forest of 2 trees on random rows.
func tinyModel(t *testing.T) *train.Model {
	t.Helper()
	names := features.Names()
	r := rand.New(rand.NewPCG(1, 2))
	X := make([][]float64, 40)
	y := make([]float64, len(X))
	for i := range X {
		X[i] = make([]float64, len(names))
		for j := range X[i] {
			X[i][j] = r.Float64()
		}
		y[i] = X[i][0] + r.Float64()
	}
	f, err := train.Fit(context.Background(), X, y, train.Config{Trees: 2, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &train.Model{Window: 600, Features: names, Target: "log_ratio", Forest: f, TrainedOn: len(X)}
}

// Hostile: a folder given as --data's data.csv or index.csv, as --model, or as --features; a model file with bytes after the model or claiming a 1 GiB body; a data.csv or features file with a line of 1 MiB; a --model that does not exist -> exit 3 naming the file
func TestHostileInputExitCodes(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	good := func(name string) string { // a valid data set of one cascade
		dir := filepath.Join(tmp, name)
		if err := data.WriteDir(dir, []data.Cascade{{ID: "a", Times: []float64{0, 5}, Mags: []float64{10, 3}}}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dataFolder := good("data-folder")
	replace(t, filepath.Join(dataFolder, "data.csv"), nil)
	indexFolder := good("index-folder")
	replace(t, filepath.Join(indexFolder, "index.csv"), nil)
	hugeLine := good("huge-line")
	replace(t, filepath.Join(hugeLine, "data.csv"), []byte("time,magnitude\n0,1\n"+strings.Repeat("5", 1<<20)+",3\n"))
	dataSet := good("good")

	folder := filepath.Join(tmp, "folder.hkrf")
	if err := os.Mkdir(folder, 0o777); err != nil {
		t.Fatal(err)
	}
	b, err := tinyModel(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(tmp, "m.hkrf")
	writeFile(t, model, string(b))
	trailing := filepath.Join(tmp, "trailing.hkrf")
	writeFile(t, trailing, string(b)+"\n")
	bomb := filepath.Join(tmp, "bomb.hkrf")
	writeFile(t, bomb, string(withRawBytes(t, b, 1<<30)))
	missing := filepath.Join(tmp, "missing.hkrf")
	longFeatures := filepath.Join(tmp, "long.csv")
	writeFile(t, longFeatures, strings.Join(features.Columns(), ",")+"\n"+strings.Repeat("1", 1<<20)+"\n")

	for _, tt := range []struct {
		name string
		argv []string
		want string // in stderr
	}{
		{"data.csv a folder", []string{"fit", "--data", dataFolder, "--window", "60"}, filepath.Join(dataFolder, "data.csv") + ": not a file (a folder)"},
		{"index.csv a folder", []string{"features", "--data", indexFolder, "--window", "60"}, filepath.Join(indexFolder, "index.csv") + ": not a file (a folder)"},
		{"data.csv line of 1 MiB", []string{"fit", "--data", hugeLine, "--window", "60"}, filepath.Join(hugeLine, "data.csv") + " line 3: line too long"},
		{"predict --model a folder", []string{"predict", "--data", dataSet, "--window", "600", "--model", folder}, "read model " + folder + ": not a file (a folder)"},
		{"evaluate --model a folder", []string{"evaluate", "--data", dataSet, "--window", "600", "--model", folder}, "read model " + folder + ": not a file (a folder)"},
		{"train --features a folder", []string{"train", "--features", folder, "--model", filepath.Join(tmp, "out.hkrf")}, "read features " + folder + ": not a file (a folder)"},
		{"features file line of 1 MiB", []string{"train", "--features", longFeatures, "--model", filepath.Join(tmp, "out.hkrf")}, "read features " + longFeatures + ": parse error on line 2, column 65536: line too long"},
		{"model with a trailing byte", []string{"predict", "--data", dataSet, "--window", "600", "--model", trailing}, "read model " + trailing + ": train: model file corrupt: bytes after the model"},
		{"model claiming 1 GiB", []string{"predict", "--data", dataSet, "--window", "600", "--model", bomb}, "read model " + bomb + ": train: model file corrupt: header: raw body of 1073741824 bytes, limit"},
		{"model missing", []string{"predict", "--data", dataSet, "--window", "600", "--model", missing}, missing + ": no such file or directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runArgv(t, ctx, tt.argv...)
			if code != exitBadInput || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stdout %q, stderr %q; want %d and %q", code, stdout, stderr, exitBadInput, tt.want)
			}
		})
	}
	// The good model is accepted: the refusals above are the files'.
	if code, _, stderr := runArgv(t, ctx, "predict", "--data", dataSet, "--window", "600", "--model", model, "-q"); code != exitOK {
		t.Errorf("predict with the good model: exit code %d, stderr %q", code, stderr)
	}
}

// withRawBytes returns the model file b with the raw_bytes of its header
// set to n and its checksum made right again (the layout is in train's
// package doc).
func withRawBytes(t *testing.T, b []byte, n int) []byte {
	t.Helper()
	hl := binary.BigEndian.Uint32(b[6:])
	var h map[string]any
	if err := json.Unmarshal(b[10:10+hl], &h); err != nil {
		t.Fatal(err)
	}
	h["forest"].(map[string]any)["raw_bytes"] = n
	hj, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out := slices.Clone(b[:6])
	out = binary.BigEndian.AppendUint32(out, uint32(len(hj)))
	out = append(out, hj...)
	out = append(out, b[10+hl:len(b)-4]...) // body length and body
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, crc32.MakeTable(crc32.Castagnoli)))
}

// replace replaces the file at path with a folder (b nil) or with b.
func replace(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if b == nil {
		if err := os.Mkdir(path, 0o777); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
