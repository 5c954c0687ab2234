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
