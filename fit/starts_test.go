package fit

import (
	"context"
	"math"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
)

// Starts that reach the same optimum agree on it: after polishing, every
// start whose log-likelihood is within 1e-7 (relative) of the best has the
// same n*, c, theta and beta to 1e-3 relative. Loose tolerances would leave
// them scattered along the direction in which real likelihoods are flat
// (SPEC section 2). Starts may also stop at other local optima or run off to
// a limit of the family; those are not required to agree.
func TestPolishedStartsAgree(t *testing.T) {
	cascades, err := data.LoadDir(context.Background(), shared.Path(t, "smh_cascades"))
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{}.withDefaults()
	compared := 0
	for _, T := range []float64{3600, 21600} {
		for i := range cascades {
			c := &cascades[i]
			cs := newCascade(c.Times, c.Mags, T)
			if cs.explained() == 0 {
				continue
			}
			free, err := fitStarts(context.Background(), cs, drawStarts(opts), searchMode)
			if err != nil {
				t.Fatal(err)
			}
			polished, err := polish(context.Background(), cs, free.cands, polishMode(precise))
			if err != nil {
				t.Fatal(err)
			}
			best := choose(onlyKernel(polished, false))
			if best == nil || best.nstar >= 1 {
				continue // only subcritical power-law optima are compared
			}
			for _, p := range onlyKernel(polished, false) {
				if math.Abs(p.ll-best.ll) > agreeTol*math.Abs(best.ll) {
					continue
				}
				compared++
				for _, v := range [][3]any{{"n*", p.q.NStar, best.q.NStar}, {"beta", p.q.Beta, best.q.Beta}, {"c", p.q.C, best.q.C}, {"theta", p.q.Theta, best.q.Theta}} {
					got, want := v[1].(float64), v[2].(float64)
					if math.Abs(got-want) > 1e-3*math.Abs(want) && math.Abs(got-want) > 1e-6 {
						t.Errorf("%s T=%g: %s %.8g at one start, %.8g at the best", c.ID, T, v[0], got, want)
					}
				}
			}
		}
	}
	if compared < 20 {
		t.Errorf("only %d starts compared", compared)
	}
	t.Logf("%d starts at the optimum compared", compared)
}

func TestSameLoose(t *testing.T) {
	pl := candidate{q: normalized{NStar: 0.8, Beta: 0.5, C: 30, Theta: 0.7}, ll: -1234.5}
	ex := candidate{exp: true, e: exponential{NStar: 0.8, Beta: 0.5, Rate: 0.01}, ll: -1234.5}
	moved := func(c candidate, f func(*candidate)) candidate { f(&c); return c }
	tests := []struct {
		name string
		a, b candidate
		want bool
	}{
		{"identical", pl, pl, true},
		{"within the tolerances", pl, moved(pl, func(c *candidate) { c.q.C *= 1 + sameLooseTol/2; c.ll += 1e-7 }), true},
		{"log-likelihood apart", pl, moved(pl, func(c *candidate) { c.ll += 1e-4 }), false},
		{"theta apart", pl, moved(pl, func(c *candidate) { c.q.Theta *= 1 + 2*sameLooseTol }), false},
		{"n* apart", pl, moved(pl, func(c *candidate) { c.q.NStar *= 1 + 2*sameLooseTol }), false},
		{"other kernel", pl, ex, false},
		{"exponential, same", ex, moved(ex, func(c *candidate) { c.e.Rate *= 1 + sameLooseTol/2 }), true},
		{"exponential, rate apart", ex, moved(ex, func(c *candidate) { c.e.Rate *= 1 + 2*sameLooseTol }), false},
	}
	for _, tc := range tests {
		if got := sameLoose(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: sameLoose = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Polishing a start whose loose optimum repeats an earlier one's gives it
// the earlier one's polished optimum without polishing it again: the
// candidates after polish are those of polishing each on its own, and the
// duplicate costs no evaluation.
func TestPolishSkipsRepeatedOptima(t *testing.T) {
	times, mags := synthetic(200, 3600, 3)
	cs := newCascade(times, mags, 3600)
	opts := Options{Starts: 2}.withDefaults()
	free, err := fitStarts(context.Background(), cs, drawStarts(opts), searchMode)
	if err != nil {
		t.Fatal(err)
	}
	one := []candidate{free.cands[0]}
	ref, err := polish(context.Background(), cs, one, polishMode(precise))
	if err != nil {
		t.Fatal(err)
	}
	before := cs.evals
	if _, err := polish(context.Background(), cs, one, polishMode(precise)); err != nil {
		t.Fatal(err)
	}
	single := cs.evals - before
	before = cs.evals
	twice, err := polish(context.Background(), cs, []candidate{free.cands[0], free.cands[0]}, polishMode(precise))
	if err != nil {
		t.Fatal(err)
	}
	if got := cs.evals - before; got != single {
		t.Errorf("polishing a repeated optimum took %d evaluations, one took %d", got, single)
	}
	if twice[0] != ref[0] || twice[1] != ref[0] {
		t.Errorf("polished %+v, want twice %+v", twice, ref[0])
	}
}
