package sim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hawkes-toolkit/hawkes/fit"
)

// Ranges are the ranges [lo, hi] of randomly drawn parameters: the branching
// factor NStar and Beta are drawn uniformly, C (seconds) and Theta
// log-uniformly, and kappa follows from them through fit.KappaFor. A range
// with lo == hi fixes the parameter.
type Ranges struct {
	NStar, Beta, C, Theta [2]float64
}

// DefaultRanges returns the ranges NStar [0.5, 0.95], Beta [0.1, 0.9],
// C [10, 600] seconds and Theta [0.2, 2], which cover the parameters fitted
// on real cascades.
func DefaultRanges() Ranges {
	return Ranges{
		NStar: [2]float64{0.5, 0.95},
		Beta:  [2]float64{0.1, 0.9},
		C:     [2]float64{10, 600},
		Theta: [2]float64{0.2, 2},
	}
}

// Draw draws one parameter set from the ranges, with kappa chosen so that the
// branching factor under the power law of magnitudes (fit.Alpha) is the drawn
// NStar. It draws NStar, Beta, C and Theta in this order. The ranges must be
// valid (Dataset checks them); Draw does not check them.
func (r Ranges) Draw(rng *rand.Rand) fit.Params {
	nstar := uniform(rng, r.NStar)
	beta := uniform(rng, r.Beta)
	c := logUniform(rng, r.C)
	theta := logUniform(rng, r.Theta)
	return fit.Params{
		Kappa: fit.KappaFor(nstar, beta, c, theta),
		Beta:  beta,
		C:     c,
		Theta: theta,
	}
}

func uniform(rng *rand.Rand, r [2]float64) float64 {
	u := rng.Float64()
	if r[0] == r[1] {
		return r[0]
	}
	return r[0] + u*(r[1]-r[0])
}

func logUniform(rng *rand.Rand, r [2]float64) float64 {
	u := rng.Float64()
	if r[0] == r[1] {
		return r[0]
	}
	lo, hi := math.Log(r[0]), math.Log(r[1])
	return math.Exp(lo + u*(hi-lo))
}

// validate checks the ranges: each is finite with lo <= hi, NStar > 0 (and
// < 1 unless supercritical), 0 <= Beta < fit.Alpha-1, C > 0, Theta > 0.
func (r Ranges) validate(supercritical bool) error {
	for _, f := range []struct {
		name string
		r    [2]float64
	}{{"nstar", r.NStar}, {"beta", r.Beta}, {"c", r.C}, {"theta", r.Theta}} {
		if !finite(f.r[0]) || !finite(f.r[1]) {
			return fmt.Errorf("%w: %s range [%g, %g] is not finite", ErrInvalid, f.name, f.r[0], f.r[1])
		}
		if f.r[0] > f.r[1] {
			return fmt.Errorf("%w: %s range [%g, %g] has lo > hi", ErrInvalid, f.name, f.r[0], f.r[1])
		}
	}
	switch {
	case !(r.NStar[0] > 0):
		return fmt.Errorf("%w: nstar range [%g, %g], want nstar > 0", ErrInvalid, r.NStar[0], r.NStar[1])
	case !supercritical && !(r.NStar[1] < 1):
		return fmt.Errorf("%w: nstar range [%g, %g] is not subcritical, want nstar < 1", ErrInvalid, r.NStar[0], r.NStar[1])
	case !(r.Beta[0] >= 0) || !(r.Beta[1] < fit.Alpha-1):
		return fmt.Errorf("%w: beta range [%g, %g], want 0 <= beta < alpha-1 = %g", ErrInvalid, r.Beta[0], r.Beta[1], fit.Alpha-1)
	case !(r.C[0] > 0):
		return fmt.Errorf("%w: c range [%g, %g], want c > 0", ErrInvalid, r.C[0], r.C[1])
	case !(r.Theta[0] > 0):
		return fmt.Errorf("%w: theta range [%g, %g], want theta > 0", ErrInvalid, r.Theta[0], r.Theta[1])
	}
	return nil
}

// validateKernel checks what the simulation itself needs: kappa > 0, c > 0,
// theta > 0 and beta >= 0, all finite.
func validateKernel(p fit.Params) error {
	if !(p.Kappa > 0) || !finite(p.Kappa) {
		return fmt.Errorf("%w: kappa = %g, want finite and > 0", ErrInvalid, p.Kappa)
	}
	return validateShape(p)
}

// validateShape checks the kernel's parameters but kappa: c > 0, theta > 0
// and beta >= 0, all finite.
func validateShape(p fit.Params) error {
	switch {
	case !(p.Beta >= 0) || !finite(p.Beta):
		return fmt.Errorf("%w: beta = %g, want finite and >= 0", ErrInvalid, p.Beta)
	case !(p.C > 0) || !finite(p.C):
		return fmt.Errorf("%w: c = %g, want finite and > 0", ErrInvalid, p.C)
	case !(p.Theta > 0) || !finite(p.Theta):
		return fmt.Errorf("%w: theta = %g, want finite and > 0", ErrInvalid, p.Theta)
	}
	return nil
}

// ParamsFor returns the parameters with beta, c and theta and the kappa that
// gives the branching factor nstar under the power law of magnitudes
// (fit.KappaFor). It first checks what fit.KappaFor requires, beta, c and
// theta as Config.Params needs them (0 <= beta < fit.Alpha-1, c > 0,
// theta > 0, all finite), and 0 < nstar < 1; the error wraps ErrInvalid.
func ParamsFor(nstar, beta, c, theta float64) (fit.Params, error) {
	p := fit.Params{Beta: beta, C: c, Theta: theta}
	if err := validateShape(p); err != nil {
		return p, err
	}
	if !(beta < fit.Alpha-1) {
		return p, fmt.Errorf("%w: beta = %g, want beta < alpha-1 = %g", ErrInvalid, beta, fit.Alpha-1)
	}
	if !(nstar > 0 && nstar < 1) {
		return p, fmt.Errorf("%w: nstar = %g, want 0 < nstar < 1", ErrInvalid, nstar)
	}
	p.Kappa = fit.KappaFor(nstar, beta, c, theta)
	return p, nil
}

// validateModel checks p against the whole model of SPEC section 2:
// the kernel's bounds, beta < fit.Alpha-1, and n* < 1 unless supercritical.
func validateModel(p fit.Params, supercritical bool) error {
	if err := validateKernel(p); err != nil {
		return err
	}
	if !(p.Beta < fit.Alpha-1) {
		return fmt.Errorf("%w: beta = %g, want beta < alpha-1 = %g", ErrInvalid, p.Beta, fit.Alpha-1)
	}
	if n := p.NStar(); !supercritical && !(n < 1) {
		return fmt.Errorf("%w: branching factor n* = %.4g is not subcritical, want n* < 1", ErrInvalid, n)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
