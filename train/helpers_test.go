package train

import (
	"math"
	"math/rand/v2"
)

// stepData draws n rows of 4 features uniform on [0, 1) and targets
// y = 2*[x0 > 0.5] + N(0, sigma^2): only feature 0 matters. truth holds the
// noise-free targets.
func stepData(n int, sigma float64, seed uint64) (X [][]float64, y, truth []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	X = make([][]float64, n)
	y = make([]float64, n)
	truth = make([]float64, n)
	for i := range X {
		x := []float64{r.Float64(), r.Float64(), r.Float64(), r.Float64()}
		X[i] = x
		if x[0] > 0.5 {
			truth[i] = 2
		}
		y[i] = truth[i] + sigma*r.NormFloat64()
	}
	return X, y, truth
}

// smoothData draws n rows of 3 features uniform on [-1, 1) and targets
// y = x0^2 + x1 + N(0, sigma^2): feature 2 does not matter.
func smoothData(n int, sigma float64, seed uint64) (X [][]float64, y, truth []float64) {
	r := rand.New(rand.NewPCG(seed, 2))
	X = make([][]float64, n)
	y = make([]float64, n)
	truth = make([]float64, n)
	for i := range X {
		x := []float64{2*r.Float64() - 1, 2*r.Float64() - 1, 2*r.Float64() - 1}
		X[i] = x
		truth[i] = x[0]*x[0] + x[1]
		y[i] = truth[i] + sigma*r.NormFloat64()
	}
	return X, y, truth
}

// cascadeData draws n rows of 6 features shaped like the cascade features
// (c, theta, A1, n*, n, growth: skewed, one integer-valued with ties) and a
// target that depends on three of them.
func cascadeData(n int, seed uint64) (X [][]float64, y []float64) {
	r := rand.New(rand.NewPCG(seed, 3))
	X = make([][]float64, n)
	y = make([]float64, n)
	for i := range X {
		x := []float64{
			math.Exp(r.NormFloat64()),
			0.1 + 0.8*r.Float64(),
			math.Exp(3 * r.NormFloat64()),
			r.Float64(),
			math.Floor(math.Exp(2 + r.NormFloat64())),
			r.Float64(),
		}
		X[i] = x
		y[i] = 1 + 0.5*math.Log(x[2])*x[3] + math.Sin(3*x[1]) + 0.3*r.NormFloat64()
	}
	return X, y
}

// mse returns the mean squared difference of a and b.
func mse(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s / float64(len(a))
}

// variance returns the population variance of v.
func variance(v []float64) float64 {
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(len(v))
}
