package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
)

// sameCascades reports whether a and b are identical bit for bit: the
// reproducibility promise of Dataset is exact, so == on floats is the point.
func sameCascades(a, b []data.Cascade) bool {
	return slices.EqualFunc(a, b, func(x, y data.Cascade) bool {
		return x.ID == y.ID && x.Start == y.Start && x.HasStart == y.HasStart &&
			slices.Equal(x.Times, y.Times) && slices.Equal(x.Mags, y.Mags)
	})
}

func randomConfig() Config {
	rg := DefaultRanges()
	return Config{Random: &rg}
}

func TestDatasetReproducible(t *testing.T) {
	ctx := context.Background()
	cfg := randomConfig()
	a, pa, err := Dataset(ctx, 50, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, pb, err := Dataset(ctx, 50, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !sameCascades(a, b) || !slices.Equal(pa, pb) {
		t.Error("the same seed gave different data sets")
	}
	c, pc, err := Dataset(ctx, 50, cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sameCascades(a, c) || slices.Equal(pa, pc) {
		t.Error("seeds 1 and 2 gave the same data set")
	}
	// Each cascade has its own stream: a shorter data set is a prefix.
	d, pd, err := Dataset(ctx, 20, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !sameCascades(a[:20], d) || !slices.Equal(pa[:20], pd) {
		t.Error("the first 20 of 50 cascades differ from a data set of 20")
	}
	for i, c := range a {
		if want := fmt.Sprintf("sim-%d", i+1); c.ID != want {
			t.Errorf("cascade %d has ID %q, want %q", i, c.ID, want)
		}
	}
}

func TestDatasetFixedParams(t *testing.T) {
	p := fit.Params{Kappa: fit.KappaFor(0.7, 0.4, 60, 0.5), Beta: 0.4, C: 60, Theta: 0.5}
	cs, ps, err := Dataset(context.Background(), 30, Config{Params: p, Horizon: 3600}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 30 || len(ps) != 30 {
		t.Fatalf("got %d cascades and %d params, want 30", len(cs), len(ps))
	}
	for i, c := range cs {
		if ps[i] != p {
			t.Errorf("%s: params %+v, want %+v", c.ID, ps[i], p)
		}
		if len(c.Times) != len(c.Mags) || c.Times[0] != 0 || !slices.IsSorted(c.Times) || c.Times[len(c.Times)-1] > 3600 {
			t.Errorf("%s: bad times %v", c.ID, c.Times)
		}
	}
}

func TestDatasetRandomParams(t *testing.T) {
	rg := Ranges{NStar: [2]float64{0.2, 0.4}, Beta: [2]float64{0.2, 0.3}, C: [2]float64{30, 40}, Theta: [2]float64{1, 1.5}}
	_, ps, err := Dataset(context.Background(), 100, Config{Random: &rg}, 4)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[fit.Params]bool{}
	for _, p := range ps {
		n := p.NStar()
		if n < 0.2-1e-12 || n > 0.4+1e-12 || p.Beta < 0.2 || p.Beta > 0.3 || p.C < 30 || p.C > 40 || p.Theta < 1 || p.Theta > 1.5 {
			t.Errorf("params %+v (n* %g) outside %+v", p, n, rg)
		}
		distinct[p] = true
	}
	if len(distinct) != len(ps) {
		t.Errorf("%d distinct parameter sets among %d cascades", len(distinct), len(ps))
	}
}

func TestDatasetWholeSeconds(t *testing.T) {
	ctx := context.Background()
	cfg := randomConfig()
	exact, _, err := Dataset(ctx, 40, cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	cfg.WholeSeconds = true
	floored, _, err := Dataset(ctx, 40, cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range floored {
		for j, tm := range c.Times {
			if tm != math.Floor(exact[i].Times[j]) {
				t.Fatalf("%s event %d: time %g, want floor(%g)", c.ID, j, tm, exact[i].Times[j])
			}
		}
		if !slices.Equal(c.Mags, exact[i].Mags) || !slices.IsSorted(c.Times) {
			t.Fatalf("%s: magnitudes changed or times unsorted", c.ID)
		}
	}
}

// FirstMag sets the original tweet's magnitude, and only that one: with
// kappa fixed, a cascade's expected number of direct children of the
// original is mu(m0) = kappa m0^beta / (theta c^theta) (SPEC section 2), so
// the mean size over many cascades exceeds that.
func TestDatasetFirstMag(t *testing.T) {
	p := fit.Params{Kappa: fit.KappaFor(0.5, 0.5, 60, 0.8), Beta: 0.5, C: 60, Theta: 0.8}
	cfg := Config{Params: p, FirstMag: 1e4, Horizon: math.Inf(1)}
	cs, _, err := Dataset(context.Background(), 200, cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	drawnOthers := false
	for _, c := range cs {
		if c.Mags[0] != 1e4 {
			t.Fatalf("%s: original magnitude %g, want 1e4", c.ID, c.Mags[0])
		}
		for _, m := range c.Mags[1:] {
			drawnOthers = drawnOthers || m != 1e4
		}
		total += c.Len()
	}
	mu0 := p.Kappa * math.Pow(1e4, 0.5) / (0.8 * math.Pow(60, 0.8))
	if mean := float64(total) / float64(len(cs)); mean < mu0 || !drawnOthers {
		t.Errorf("mean size %.1f, want above mu(m0) = %.1f, with other magnitudes drawn", mean, mu0)
	}
	if _, _, err := Dataset(context.Background(), 1, Config{Params: p, FirstMag: -1}, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("FirstMag -1: err = %v, want ErrInvalid", err)
	}
}

func TestDatasetEmpirical(t *testing.T) {
	// E[m^0.5] over this list is 1.56, against 1.97 under the power law,
	// so n* is about 0.6*1.56/1.97 = 0.48 and no cascade is redrawn.
	list := []float64{0, 1, 2, 5, 10}
	p := fit.Params{Kappa: fit.KappaFor(0.6, 0.5, 60, 0.5), Beta: 0.5, C: 60, Theta: 0.5}
	cs, _, err := Dataset(context.Background(), 200, Config{Params: p, Mags: Empirical(list)}, 6)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[float64]bool{}
	for _, c := range cs {
		for _, m := range c.Mags {
			if !slices.Contains(list, m) {
				t.Fatalf("%s: magnitude %g not in the list", c.ID, m)
			}
			seen[m] = true
		}
	}
	if len(seen) != len(list) {
		t.Errorf("drew %d of the %d listed magnitudes", len(seen), len(list))
	}
}

func TestDatasetMaxEvents(t *testing.T) {
	// n* = 1.5, no horizon: every surviving tree is infinite, so many draws
	// are discarded, and no kept cascade exceeds MaxEvents.
	p := fit.Params{Kappa: fit.KappaFor(1.5, 0.3, 60, 0.5), Beta: 0.3, C: 60, Theta: 0.5}
	redraws := 0
	cfg := Config{
		Params: p, Horizon: math.Inf(1), MaxEvents: 200, AllowSupercritical: true,
		OnRedraw: func(id string, q fit.Params) {
			if q != p || !strings.HasPrefix(id, "sim-") {
				t.Errorf("OnRedraw(%q, %+v)", id, q)
			}
			redraws++
		},
	}
	cs, _, err := Dataset(context.Background(), 50, cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if len(c.Times) > 200 {
			t.Errorf("%s has %d events > 200", c.ID, len(c.Times))
		}
	}
	if redraws == 0 {
		t.Error("no cascade was redrawn")
	}

	// Every draw exceeds MaxEvents = 1 when the original tweet has
	// Poisson(mu = 50) children and so none with probability e^-50:
	// Dataset gives up after MaxRedraws draws.
	redraws = 0
	cfg.Mags = constMag(1)
	cfg.Params.Kappa = fit.KappaFor(50, 0.3, 60, 0.5)
	cfg.OnRedraw = func(string, fit.Params) { redraws++ }
	cfg.MaxEvents = 1
	_, _, err = Dataset(context.Background(), 3, cfg, 7)
	if !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), "simulate cascade sim-1: ") {
		t.Errorf("err %v, want ErrTooLarge for sim-1", err)
	}
	if redraws != MaxRedraws {
		t.Errorf("%d redraws before giving up, want %d", redraws, MaxRedraws)
	}
}

func TestDatasetContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cs, ps, err := Dataset(ctx, 10, randomConfig(), 8)
	if !errors.Is(err, context.Canceled) || cs != nil || ps != nil {
		t.Errorf("canceled context: %d cascades, err %v", len(cs), err)
	}
}

func TestDatasetEmpty(t *testing.T) {
	cs, ps, err := Dataset(context.Background(), 0, randomConfig(), 9)
	if err != nil || len(cs) != 0 || len(ps) != 0 {
		t.Errorf("n = 0: %d cascades, %d params, err %v", len(cs), len(ps), err)
	}
}

func TestDatasetInvalid(t *testing.T) {
	good := fit.Params{Kappa: fit.KappaFor(0.5, 0.5, 60, 0.5), Beta: 0.5, C: 60, Theta: 0.5}
	super := fit.Params{Kappa: fit.KappaFor(1.2, 0.5, 60, 0.5), Beta: 0.5, C: 60, Theta: 0.5}
	withP := func(f func(*fit.Params)) Config { p := good; f(&p); return Config{Params: p} }
	withR := func(f func(*Ranges)) Config { r := DefaultRanges(); f(&r); return Config{Random: &r} }
	cases := []struct {
		name string
		n    int
		cfg  Config
		want string // "" for a valid configuration
	}{
		{"good", 3, Config{Params: good}, ""},
		{"zero params", 3, Config{}, "kappa = 0, want finite and > 0"},
		{"kappa < 0", 3, withP(func(p *fit.Params) { p.Kappa = -1 }), "kappa = -1, want finite and > 0"},
		{"c 0", 3, withP(func(p *fit.Params) { p.C = 0 }), "c = 0, want finite and > 0"},
		{"theta 0", 3, withP(func(p *fit.Params) { p.Theta = 0 }), "theta = 0, want finite and > 0"},
		{"beta < 0", 3, withP(func(p *fit.Params) { p.Beta = -0.5 }), "beta = -0.5, want finite and >= 0"},
		{"beta >= alpha-1", 3, withP(func(p *fit.Params) { p.Beta = 1.1 }), "beta = 1.1, want beta < alpha-1 = 1.016"},
		{"supercritical", 3, Config{Params: super}, "branching factor n* = 1.2 is not subcritical, want n* < 1"},
		{"supercritical allowed", 3, Config{Params: super, AllowSupercritical: true, Horizon: 3600}, ""},
		{"negative n", -1, Config{Params: good}, "number of cascades = -1, want >= 0"},
		{"negative horizon", 3, Config{Params: good, Horizon: -5}, "horizon = -5, want > 0"},
		{"NaN horizon", 3, Config{Params: good, Horizon: math.NaN()}, "horizon = NaN, want > 0"},
		{"infinite horizon", 3, Config{Params: good, Horizon: math.Inf(1)}, ""},
		{"negative max events", 3, Config{Params: good, MaxEvents: -1}, "max events = -1, want >= 1"},
		{"ranges lo > hi", 3, withR(func(r *Ranges) { r.C = [2]float64{600, 10} }), "c range [600, 10] has lo > hi"},
		{"ranges NaN", 3, withR(func(r *Ranges) { r.Theta[1] = math.NaN() }), "theta range [0.2, NaN] is not finite"},
		{"ranges nstar 0", 3, withR(func(r *Ranges) { r.NStar[0] = 0 }), "nstar range [0, 0.95], want nstar > 0"},
		{"ranges supercritical", 3, withR(func(r *Ranges) { r.NStar[1] = 1 }), "nstar range [0.5, 1] is not subcritical, want nstar < 1"},
		{"ranges beta", 3, withR(func(r *Ranges) { r.Beta[1] = 1.5 }), "beta range [0.1, 1.5], want 0 <= beta < alpha-1 = 1.016"},
		{"ranges c", 3, withR(func(r *Ranges) { r.C[0] = 0 }), "c range [0, 600], want c > 0"},
		{"ranges theta", 3, withR(func(r *Ranges) { r.Theta[0] = -1 }), "theta range [-1, 2], want theta > 0"},
	}
	for _, tc := range cases {
		cs, _, err := Dataset(context.Background(), tc.n, tc.cfg, 10)
		if tc.want == "" {
			if err != nil || len(cs) != tc.n {
				t.Errorf("%s: %d cascades, err %v", tc.name, len(cs), err)
			}
			continue
		}
		if want := "sim: invalid parameter: " + tc.want; !errors.Is(err, ErrInvalid) || err.Error() != want {
			t.Errorf("%s: err %v, want %q", tc.name, err, want)
		}
	}
}

func ExampleDataset() {
	rg := DefaultRanges()
	cs, ps, err := Dataset(context.Background(), 3, Config{Random: &rg, WholeSeconds: true}, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, c := range cs {
		fmt.Printf("%s starts at %g, n* = %.2f\n", c.ID, c.Times[0], ps[i].NStar())
	}
	// Output:
	// sim-1 starts at 0, n* = 0.61
	// sim-2 starts at 0, n* = 0.87
	// sim-3 starts at 0, n* = 0.70
}
