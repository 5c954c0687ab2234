package sim

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hawkes-toolkit/hawkes/fit"
	"gonum.org/v1/gonum/stat/distuv"
)

var (
	// ErrTooLarge reports a cascade with more events in the horizon than
	// allowed.
	ErrTooLarge = errors.New("sim: cascade exceeds the maximum number of events")
	// ErrInvalid reports an invalid parameter, argument or configuration field.
	ErrInvalid = errors.New("sim: invalid parameter")
)

// event is one simulated event, before the events are sorted by time.
type event struct{ t, m float64 }

// Cascade draws one cascade of the marked Hawkes process with parameters p,
// observed on [0, horizon]: the original tweet at time 0 with a magnitude
// drawn from mags, then every generation of children through the branching
// structure (see the package documentation). Children later than the horizon
// are not drawn, nor their subtrees: the number of children of an event at
// time t is drawn directly as Poisson with mean mu(m) * F(horizon-t), where F
// is the Lomax CDF, and their delays from the Lomax law truncated to
// [0, horizon-t], which has the same law as drawing every child and dropping
// the late ones.
//
// It returns the event times sorted ascending, with times[0] == 0 the
// original tweet, and the magnitudes in the same order; parents come before
// their children at equal times. horizon may be +Inf.
//
// p needs kappa > 0, c > 0, theta > 0 and beta >= 0; Cascade does not require
// n* < 1. A cascade with more than maxEvents events (maxEvents >= 1) is
// abandoned as soon as that is known, and Cascade returns ErrTooLarge. Invalid
// arguments and a sampler returning a negative, NaN or infinite magnitude
// give an error wrapping ErrInvalid. rng and mags must not be nil.
func Cascade(rng *rand.Rand, p fit.Params, mags MagSampler, horizon float64, maxEvents int) (times, ms []float64, err error) {
	if rng == nil || mags == nil {
		panic("sim: nil random source or magnitude sampler")
	}
	if err := validateKernel(p); err != nil {
		return nil, nil, err
	}
	if !(horizon >= 0) {
		return nil, nil, fmt.Errorf("%w: horizon = %g, want >= 0", ErrInvalid, horizon)
	}
	if maxEvents < 1 {
		return nil, nil, fmt.Errorf("%w: max events = %d, want >= 1", ErrInvalid, maxEvents)
	}

	// mu(m) = k0 * m^beta is the expected number of direct children of an
	// event of magnitude m: the integral of phi_m over (0, inf).
	k0 := p.Kappa / (p.Theta * math.Pow(p.C, p.Theta))
	draw := func() (float64, error) {
		m := mags(rng)
		if !(m >= 0) || math.IsInf(m, 1) {
			return 0, fmt.Errorf("%w: magnitude sampler returned %g", ErrInvalid, m)
		}
		return m, nil
	}

	m0, err := draw()
	if err != nil {
		return nil, nil, err
	}
	ev := make([]event, 1, 16)
	ev[0] = event{0, m0}
	// ev is the queue of the breadth-first walk of the family tree: events
	// before i have had their children drawn.
	for i := 0; i < len(ev); i++ {
		t, m := ev[i].t, ev[i].m
		// fmax = F(horizon-t) = 1 - (1 + (horizon-t)/c)^-theta, which is 1
		// when the horizon is +Inf.
		fmax := -math.Expm1(-p.Theta * math.Log1p((horizon-t)/p.C))
		mean := k0 * powBeta(m, p.Beta) * fmax
		if mean == 0 {
			continue
		}
		if math.IsInf(mean, 1) {
			return nil, nil, fmt.Errorf("%w: an event has an infinite expected number of children", ErrTooLarge)
		}
		k := distuv.Poisson{Lambda: mean, Src: rng}.Rand()
		if float64(len(ev))+k > float64(maxEvents) {
			return nil, nil, fmt.Errorf("%w: more than %d", ErrTooLarge, maxEvents)
		}
		for range int(k) {
			// Inverse CDF of the Lomax law truncated to F <= fmax:
			// tau = c * ((1 - u fmax)^(-1/theta) - 1), in a form that stays
			// accurate for small u and small theta.
			u := rng.Float64() * fmax
			tc := t + p.C*math.Expm1(-math.Log1p(-u)/p.Theta)
			// Rounding may push a delay drawn at the very end of the range
			// past the horizon.
			tc = min(tc, horizon)
			mc, err := draw()
			if err != nil {
				return nil, nil, err
			}
			ev = append(ev, event{tc, mc})
		}
	}

	// Stable, so that the original tweet stays first and parents stay before
	// children at equal times.
	slices.SortStableFunc(ev, func(a, b event) int { return cmp.Compare(a.t, b.t) })
	times = make([]float64, len(ev))
	ms = make([]float64, len(ev))
	for i, e := range ev {
		times[i], ms[i] = e.t, e.m
	}
	return times, ms, nil
}
