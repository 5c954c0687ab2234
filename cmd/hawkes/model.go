package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// loadModel reads the model file at path and checks that it applies to the
// features of this build on window T (predict.Check). A file that does not
// decode or does not apply is bad input, named in the error.
func loadModel(path string, T float64) (*train.Model, error) {
	m, err := readModel(path)
	if err != nil {
		return nil, err
	}
	if err := predict.Check(m, T); err != nil {
		return nil, badInputf("model %s: %w", path, err)
	}
	return m, nil
}

// readModel reads the model file at path, which must hold one model and
// nothing after it (train.ReadModelAll); one that does not decode is bad
// input, named in the error.
func readModel(path string) (*train.Model, error) {
	f, err := openInput(path, "model")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := train.ReadModelAll(f)
	if err != nil {
		return nil, badInputf("read model %s: %w", path, err)
	}
	return m, nil
}

// streamModel is one item of the stream's --model list: a file, and the
// window it is given for (0: the model's own).
type streamModel struct {
	window float64
	path   string
}

// parseStreamModels parses the stream's --model list: comma-separated
// items, each FILE or T=FILE.
func parseStreamModels(s string) ([]streamModel, error) {
	var out []streamModel
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			return nil, fmt.Errorf("--model %q: empty item", s)
		}
		w, path, ok := strings.Cut(part, "=")
		if !ok {
			out = append(out, streamModel{path: part})
			continue
		}
		if path == "" {
			return nil, fmt.Errorf("--model %q: want T=FILE, got %q", s, part)
		}
		T, err := strconv.ParseFloat(strings.TrimSpace(w), 64)
		if err != nil || !(T > 0) || math.IsInf(T, 1) {
			return nil, fmt.Errorf("--model %q: window %q is not a positive number of seconds", s, w)
		}
		out = append(out, streamModel{window: T, path: path})
	}
	return out, nil
}

// parseModelFlag parses the value of hawkes predict's --model flag: one
// FILE, which is the model of the only window of windows, or
// comma-separated T=FILE pairs (parseStreamModels), one per window.
func parseModelFlag(s string, windows []float64) (map[float64]string, error) {
	if s == "" {
		return nil, fmt.Errorf("--model is empty")
	}
	if !strings.Contains(s, "=") {
		if len(windows) != 1 {
			return nil, fmt.Errorf("--model %q: with %d windows give T=FILE for each, e.g. 600=m600.hkrf,3600=m3600.hkrf", s, len(windows))
		}
		return map[float64]string{windows[0]: s}, nil
	}
	items, err := parseStreamModels(s)
	if err != nil {
		return nil, err
	}
	models := map[float64]string{}
	for _, it := range items {
		if it.window == 0 {
			return nil, fmt.Errorf("--model %q: want T=FILE, got %q", s, it.path)
		}
		if _, dup := models[it.window]; dup {
			return nil, fmt.Errorf("--model %q: window %v given twice", s, it.window)
		}
		models[it.window] = it.path
	}
	return models, nil
}
