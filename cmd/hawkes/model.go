package main

import (
	"fmt"
	"os"

	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// loadModel reads the model file at path and checks that it applies to the
// features of this build on window T (predict.Check). A file that does not
// decode or does not apply is bad input, named in the error.
func loadModel(path string, T float64) (*train.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	defer f.Close()
	m, err := train.ReadModel(f)
	if err != nil {
		return nil, badInputf("read model %s: %w", path, err)
	}
	if err := predict.Check(m, T); err != nil {
		return nil, badInputf("model %s: %w", path, err)
	}
	return m, nil
}
