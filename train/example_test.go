package train_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/hawkes-toolkit/hawkes/train"
)

// Fit a forest, ship it as a model file, and predict with the copy.
func Example() {
	// y is 2 when x0 > 0.5 and 1 otherwise; x1 is noise.
	r := rand.New(rand.NewPCG(1, 0))
	var X [][]float64
	var y []float64
	for range 500 {
		x := []float64{r.Float64(), r.Float64()}
		X = append(X, x)
		if x[0] > 0.5 {
			y = append(y, 2)
		} else {
			y = append(y, 1)
		}
	}
	cfg := train.Config{Trees: 50, Seed: 1}
	f, err := train.Fit(context.Background(), X, y, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, _ = cfg.Resolve(2)
	m := &train.Model{Window: 3600, Features: []string{"x0", "x1"}, Target: "y", Config: cfg, Forest: f, TrainedOn: len(X)}

	var file bytes.Buffer
	if err := m.Write(&file); err != nil {
		fmt.Println(err)
		return
	}
	got, err := train.ReadModel(&file)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("features %v, %d trees\n", got.Features, len(got.Forest.Trees))
	fmt.Printf("predict(0.2, 0.7) = %.2f\n", got.Forest.Predict([]float64{0.2, 0.7}))
	fmt.Printf("predict(0.9, 0.1) = %.2f\n", got.Forest.Predict([]float64{0.9, 0.1}))
	imp := got.Forest.FeatureImportance()
	fmt.Printf("x0 more important than x1: %v\n", imp[0] > imp[1])
	// Output:
	// features [x0 x1], 50 trees
	// predict(0.2, 0.7) = 1.00
	// predict(0.9, 0.1) = 2.00
	// x0 more important than x1: true
}

// KFold gives the test rows of each fold; Complement gives the training rows.
func ExampleKFold() {
	for i, test := range train.KFold(10, 3, 1) {
		fmt.Println(i, len(test), len(train.Complement(10, test)))
	}
	// Output:
	// 0 3 7
	// 1 3 7
	// 2 4 6
}
