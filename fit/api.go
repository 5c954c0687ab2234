package fit

import (
	"errors"
	"fmt"
	"math"
)

// Alpha is the exponent of the power-law distribution of follower counts,
// P(m) = (Alpha-1) m^-Alpha for m >= 1 (SPEC section 2). It is fixed.
const Alpha = 2.016

// Params are the parameters of the marked Hawkes kernel
// phi_m(tau) = Kappa * m^Beta * (C + tau)^-(1+Theta).
type Params struct {
	Kappa, Beta, C, Theta float64
}

// Status says what kind of optimum a fit found.
type Status string

const (
	// StatusOK: a subcritical maximiser of the likelihood was found.
	StatusOK Status = "ok"
	// StatusSupercritical: the likelihood's maximiser has n* >= 1, so its
	// supremum over the subcritical region lies at n* -> 1 and there is no
	// model prediction.
	StatusSupercritical Status = "supercritical"
	// StatusUnbounded: no finite maximiser exists; the likelihood keeps rising
	// as kappa, c and theta grow together, towards the exponential kernel
	// rate*exp(-rate*tau). The result carries that limit (Rate, NStar, A1,
	// NHat) but no Kappa, C or Theta.
	StatusUnbounded Status = "unbounded"
	// StatusFailed: no starting point converged, or the data cannot identify
	// the model (see Reason).
	StatusFailed Status = "failed"
)

// Result is the outcome of fitting one cascade on its first T seconds. Fields
// that do not apply to the Status are zero and flagged by the Has* methods;
// no field is ever NaN or Inf.
type Result struct {
	Params
	// LogKappa is log Kappa, reported also when Kappa itself exceeds the
	// float64 range (Kappa is then 0 and Reason says so).
	LogKappa float64
	// Rate is theta/c, the decay rate of the kernel's exponential limit; it is
	// the only time scale reported when Status is StatusUnbounded.
	Rate   float64
	NStar  float64 // branching factor n*
	A1     float64 // expected direct children after T of the observed events
	NHat   float64 // predicted final size n + A1/(1-n*)
	LogLik float64 // maximised log-likelihood
	N      int     // events observed in [0, T]
	Status Status
	Reason string
	// Exponential is true when the parameters are those of the exponential
	// kernel limit (StatusUnbounded, or a supercritical boundary fit that
	// reached that limit): Kappa, C and Theta do not apply, Rate does.
	Exponential bool
	// Starts counts the starting points tried, Converged those whose
	// power-law fit converged, and Agreed those whose optimum matched the
	// reported log-likelihood to a relative 1e-7.
	Starts, Converged, Agreed int
	// Evals counts the evaluations of a likelihood (power law, fast or
	// exact, and exponential limit, each with or without its gradient) the
	// fit made: a measure of its work that does not depend on the machine.
	Evals int
}

// HasPowerLaw reports whether Kappa, C and Theta apply to the result.
func (r *Result) HasPowerLaw() bool { return r.Status != StatusFailed && !r.Exponential }

// HasPrediction reports whether NHat holds a prediction.
func (r *Result) HasPrediction() bool { return r.Status == StatusOK || r.Status == StatusUnbounded }

// HasFit reports whether Beta, NStar, A1, Rate and LogLik apply.
func (r *Result) HasFit() bool { return r.Status != StatusFailed }

// Options configure a fit. The zero value is usable: every field has a
// documented default.
type Options struct {
	// Starts is the number of seeded random starting points of the
	// power-law fit (default 8). The best converged optimum is kept.
	Starts int
	// Seed seeds the starting points (default 1). The same seed gives the
	// same result.
	Seed uint64
	// Exact evaluates the power-law likelihood by its exact O(n^2) double
	// sum instead of the O(n) Laplace representation (fast.go), which
	// agrees with it to within FastAccuracy, for the polishing of the
	// optima and every reported value. (The loose search from the starting
	// points, which only ranks them, uses the fast likelihood either way.)
	// It is the reference for tests and is far slower on large cascades.
	Exact bool
}

// ErrOptions is wrapped by the errors of Options.Validate and
// BatchOptions.Validate.
var ErrOptions = errors.New("invalid fit options")

// WithDefaults returns o with its zero fields set to their defaults
// (Starts DefaultStarts, Seed 1), the options Fit runs with.
func (o Options) WithDefaults() Options { return o.withDefaults() }

// Validate reports an error wrapping ErrOptions if a field of o is out of
// range: Starts must be at least 1. It checks o as given, as a command line
// gives it, so a zero Starts is an error here although Fit takes it for the
// default: check o.WithDefaults() to allow defaults.
func (o Options) Validate() error {
	if o.Starts < 1 {
		return fmt.Errorf("%w: starts = %d, want >= 1", ErrOptions, o.Starts)
	}
	return nil
}

// CheckWindow reports an error if T is not an observation window Fit can
// use: a finite number of seconds > 0.
func CheckWindow(T float64) error {
	if !(T > 0) || math.IsInf(T, 1) {
		return fmt.Errorf("invalid window %v: want a finite number of seconds > 0", T)
	}
	return nil
}
