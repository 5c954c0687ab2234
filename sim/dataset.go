package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
)

// Defaults of Config.
const (
	// DefaultHorizon is the default observation horizon: 7 days, in seconds.
	DefaultHorizon = 7 * 24 * 3600.0
	// DefaultMaxEvents is the default maximum size of a cascade.
	DefaultMaxEvents = 100000
	// MaxRedraws is the number of draws in a row of one cascade that may
	// exceed MaxEvents before Dataset gives up.
	MaxRedraws = 1000
)

// Config configures Dataset. The zero value of every field except Params is
// usable: its default is given below. Parameters are checked against the model
// of SPEC section 2 with alpha = fit.Alpha, the exponent of the power law of
// magnitudes, whatever the magnitude sampler.
type Config struct {
	// Params are the parameters of every cascade, used when Random is nil.
	// They need kappa > 0, c > 0, theta > 0, 0 <= beta < alpha-1, and a
	// branching factor n* < 1 unless AllowSupercritical is set.
	Params fit.Params
	// Random, when non-nil, makes each cascade draw its own parameters from
	// these ranges (see Ranges.Draw); Params is then ignored.
	Random *Ranges
	// Mags draws the magnitudes (default PowerLaw(fit.Alpha)).
	Mags MagSampler
	// Horizon is the observation horizon in seconds (default DefaultHorizon,
	// 7 days). It may be +Inf, in which case subcritical cascades are
	// simulated to their end.
	Horizon float64
	// MaxEvents is the maximum size of a cascade (default DefaultMaxEvents).
	// A cascade that would exceed it is discarded and drawn again with the
	// same parameters, which conditions the data set on sizes <= MaxEvents;
	// after MaxRedraws discarded draws in a row Dataset fails with an error
	// wrapping ErrTooLarge.
	MaxEvents int
	// FirstMag, when positive, is the magnitude of every original tweet
	// (its follower count) instead of a draw from Mags: a popular account
	// gives cascades of hundreds of events, like those of the real data
	// sets, without conditioning the data set on size.
	FirstMag float64
	// WholeSeconds floors the times to whole seconds, as in the real data;
	// this creates ties.
	WholeSeconds bool
	// AllowSupercritical accepts parameters with n* >= 1 (default false).
	// A supercritical cascade grows without end with positive probability
	// and is then bounded only by the horizon and MaxEvents: expect many
	// redraws and a data set of cascades conditioned on staying small.
	AllowSupercritical bool
	// OnRedraw, when non-nil, is called each time the cascade id drawn with
	// parameters p is discarded for exceeding MaxEvents, so that callers can
	// count and report redraws.
	OnRedraw func(id string, p fit.Params)
}

// withDefaults returns cfg with the defaults filled in and checks it.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Mags == nil {
		cfg.Mags = PowerLaw(fit.Alpha)
	}
	if cfg.Horizon == 0 {
		cfg.Horizon = DefaultHorizon
	}
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = DefaultMaxEvents
	}
	return cfg, cfg.Validate()
}

// Validate reports an error wrapping ErrInvalid if a field of cfg is out of
// range: Horizon > 0 (+Inf allowed), MaxEvents >= 1, FirstMag finite and
// >= 0, and the ranges of Random or else Params as Config describes. It
// checks cfg as given, as a command line gives it, so a zero Horizon or
// MaxEvents is an error here although Dataset takes it for the default.
func (cfg Config) Validate() error {
	if !(cfg.Horizon > 0) {
		return fmt.Errorf("%w: horizon = %g, want > 0", ErrInvalid, cfg.Horizon)
	}
	if cfg.MaxEvents < 1 {
		return fmt.Errorf("%w: max events = %d, want >= 1", ErrInvalid, cfg.MaxEvents)
	}
	if !(cfg.FirstMag >= 0) || math.IsInf(cfg.FirstMag, 1) {
		return fmt.Errorf("%w: first magnitude = %g, want finite and >= 0", ErrInvalid, cfg.FirstMag)
	}
	if cfg.Random != nil {
		return cfg.Random.validate(cfg.AllowSupercritical)
	}
	return validateModel(cfg.Params, cfg.AllowSupercritical)
}

// Dataset draws n cascades with IDs "sim-1" to "sim-n" (without a start
// time) and returns them with the parameters each was drawn with. Cascade i (0-based) uses its own random
// stream rand.New(rand.NewPCG(seed, i)), first to draw its parameters when
// cfg.Random is set and then to draw the cascade, so the same seed gives
// identical output and a cascade does not depend on the others. Dataset
// checks ctx between cascades and returns ctx.Err() when it is done. On error
// it returns no cascades.
func Dataset(ctx context.Context, n int, cfg Config, seed uint64) ([]data.Cascade, []fit.Params, error) {
	if n < 0 {
		return nil, nil, fmt.Errorf("%w: number of cascades = %d, want >= 0", ErrInvalid, n)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	cascades := make([]data.Cascade, n)
	params := make([]fit.Params, n)
	for i := range n {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		id := "sim-" + strconv.Itoa(i+1)
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		p := cfg.Params
		if cfg.Random != nil {
			p = cfg.Random.Draw(rng)
		}
		times, ms, err := drawBounded(rng, p, cfg, id)
		if err != nil {
			return nil, nil, fmt.Errorf("simulate cascade %s: %w", id, err)
		}
		if cfg.WholeSeconds {
			for j, t := range times {
				times[j] = math.Floor(t)
			}
		}
		cascades[i] = data.Cascade{ID: id, Times: times, Mags: ms}
		params[i] = p
	}
	return cascades, params, nil
}

// drawBounded draws one cascade, drawing again when it exceeds cfg.MaxEvents.
func drawBounded(rng *rand.Rand, p fit.Params, cfg Config, id string) (times, ms []float64, err error) {
	for range MaxRedraws {
		mags := cfg.Mags
		if cfg.FirstMag > 0 {
			// Cascade draws the original tweet's magnitude first.
			first := true
			mags = func(r *rand.Rand) float64 {
				if first {
					first = false
					return cfg.FirstMag
				}
				return cfg.Mags(r)
			}
		}
		times, ms, err = Cascade(rng, p, mags, cfg.Horizon, cfg.MaxEvents)
		if !errors.Is(err, ErrTooLarge) {
			return times, ms, err
		}
		if cfg.OnRedraw != nil {
			cfg.OnRedraw(id, p)
		}
	}
	return nil, nil, fmt.Errorf("%w: %d draws in a row had more than %d events (n* = %.4g)",
		ErrTooLarge, MaxRedraws, cfg.MaxEvents, p.NStar())
}
