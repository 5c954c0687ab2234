package fit

import (
	"fmt"
	"math"
	"testing"
)

// taylorCases are cascades for the Taylor tail's tests: the small ones of
// testCascades (ties, magnitude-0 events) and synthetic ones of whole-second
// times over an hour and (not under -short) over days.
func taylorCases() []*cascade {
	var out []*cascade
	for _, tc := range testCascades {
		out = append(out, newCascade(tc.times, tc.mags, tc.T))
	}
	sizes := []struct {
		n int
		T float64
	}{{300, 3600}, {200, 86400 * 4}}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, sz := range sizes {
		times, mags := synthetic(sz.n, sz.T, 7)
		out = append(out, newCascade(times, mags, sz.T))
	}
	return out
}

// The Taylor tail errs by no more than its bound (taylor.go): at every
// distinct time the difference between its sums and the exponential
// recursions over the rates it replaces is within the Lagrange remainder
// sum_i M_i sum_k |X_k| (s_k tau_i)^(p+1)/(p+1)!, and taylorSplit keeps that
// remainder, relative to the kernel's sum sum_i M_i phi(tau_i), below
// e^tail/(1+theta) (intensity; e^tail/c and e^tail min(1, 1/theta) times the
// kernel's sum for the c- and theta-derivatives). The rough compensator's
// part is checked against its sum over the same rates likewise. The
// unrolled passes agree with the loops over m.
func TestTaylorTailBound(t *testing.T) {
	points := append([]normalized{{0.5, 0.5, 0.02, 0.1}, {0.6, 0.4, 1e3, 30}}, accuracyPoints...)
	used := map[accuracy]int{}
	for ci, cs := range taylorCases() {
		if len(cs.u) < 3 {
			continue
		}
		for _, q := range points {
			for _, acc := range []accuracy{rough, precise} {
				name := fmt.Sprintf("cascade %d %+v acc %d", ci, q, acc)
				cs.marks(q.Beta)
				nodes, ok := cs.laplaceRates(q.C, q.Theta, acc)
				if !ok {
					continue
				}
				split, tm := cs.taylorSplit(nodes, q.C, q.Theta, acc)
				if split == 0 {
					continue
				}
				used[acc]++
				m := len(cs.u) - 1
				sums, loops := make([][4]float64, m), make([][4]float64, m)
				st := cs.taylorPass(&tm, sums)
				// The loops over m, the reference of the unrolled passes.
				stL := cs.taylorLoops(&tm, loops)
				for j := range sums {
					for x, got := range sums[j] {
						if want := loops[j][x]; math.Abs(got-want) > 1e-13*math.Abs(want)+1e-300 {
							t.Fatalf("%s: unrolled pass sum %d at %d = %g, loops %g", name, x, j, got, want)
						}
					}
				}
				if st != stL {
					for mm := range st.P {
						if math.Abs(st.P[mm]-stL.P[mm]) > 1e-13*stL.P[mm] || math.Abs(st.Pb[mm]-stL.Pb[mm]) > 1e-13*stL.Pb[mm] {
							t.Fatalf("%s: unrolled state %v, loops %v", name, st, stL)
						}
					}
				}
				checkTaylorAt(t, name, cs, q, acc, split, tm.p, sums)
				if acc == rough {
					checkTaylorCompensator(t, name, cs, q, split, tm.p, cs.taylorCompensator(&tm, st))
				}
			}
		}
	}
	if used[rough] == 0 || used[precise] == 0 {
		t.Errorf("the Taylor tail was used %d times at rough and %d at precise accuracy: the test checks nothing", used[rough], used[precise])
	}
}

// checkTaylorAt compares the Taylor sums got (A, Ac, At, Ab) with the direct
// sums over the first split rates and checks the bounds.
func checkTaylorAt(t *testing.T, name string, cs *cascade, q normalized, acc accuracy, split, p int, got [][4]float64) {
	t.Helper()
	lp := cs.lap
	c, theta := q.C, q.Theta
	eps := math.Exp(quadratures[acc].tail)
	fact := math.Gamma(float64(p + 2))
	// Every distinct time of the small cascades, about 40 of the others
	// (10 under -short).
	step := max(1, len(got)/40)
	if testing.Short() {
		step = max(1, len(got)/10)
	}
	for j := 0; j < len(got); j += step {
		tj := cs.u[j+1]
		var want [4]float64
		var rem [3]float64 // Lagrange remainders for W, |W1|, |W2| (ML uses W)
		var remB, phiSum, phiSumB float64
		for i := 0; i <= j; i++ {
			tau := tj - cs.u[i]
			phi := theta / c * math.Pow(1+tau/c, -(1+theta))
			phiSum += cs.MML[i][0] * phi
			phiSumB += cs.MML[i][1] * phi
			for k := range split {
				s, w := lp.s[k], lp.w[k]
				e := math.Exp(-s * tau)
				r := powInt(s*tau, p+1) / fact
				want[0] += cs.MML[i][0] * w[0] * e
				want[1] += cs.MML[i][0] * w[1] * e
				want[2] += cs.MML[i][0] * w[2] * e
				want[3] += cs.MML[i][1] * w[0] * e
				rem[0] += cs.MML[i][0] * w[0] * r
				rem[1] += cs.MML[i][0] * math.Abs(w[1]) * r
				rem[2] += cs.MML[i][0] * math.Abs(w[2]) * r
				remB += cs.MML[i][1] * w[0] * r
			}
		}
		remAll := [4]float64{rem[0], rem[1], rem[2], remB}
		// The selection's promise, relative to the kernel's sum.
		limits := [4]float64{phiSum * eps / (1 + theta), phiSum * eps / c, phiSum * eps * math.Min(1, 1/theta), phiSumB * eps / (1 + theta)}
		for x, v := range got[j] {
			scale := math.Abs(want[x]) + remAll[x]
			if d := math.Abs(v - want[x]); d > remAll[x]+1e-12*scale {
				t.Fatalf("%s, time %d, sum %d: Taylor %.17g, direct %.17g: error %.3g above its remainder bound %.3g", name, j+1, x, v, want[x], d, remAll[x])
			}
			if remAll[x] > limits[x]*(1+1e-9) {
				t.Fatalf("%s, time %d, sum %d: remainder bound %.3g above the split's limit %.3g", name, j+1, x, remAll[x], limits[x])
			}
		}
	}
}

// checkTaylorCompensator compares the Taylor part of the rough
// compensator's sums with sum_k X_k/s_k sum_g M_g (1 - e^(-s_k (T-u_g)))
// over the first split rates; the remainder bound is X_k x (s_k x)^(p+1)/(p+2)!.
func checkTaylorCompensator(t *testing.T, name string, cs *cascade, q normalized, split, p int, got [4]float64) {
	t.Helper()
	lp := cs.lap
	var want, rem [4]float64
	fact := math.Gamma(float64(p + 3))
	for g, ug := range cs.u {
		x := cs.T - ug
		for k := range split {
			s, w := lp.s[k], lp.w[k]
			omv := -math.Expm1(-s * x)
			r := x * powInt(s*x, p+1) / fact
			want[0] += cs.MML[g][0] * w[0] / s * omv
			want[1] += cs.MML[g][1] * w[0] / s * omv
			want[2] += cs.MML[g][0] * w[1] / s * omv
			want[3] += cs.MML[g][0] * w[2] / s * omv
			rem[0] += cs.MML[g][0] * w[0] * r
			rem[1] += cs.MML[g][1] * w[0] * r
			rem[2] += cs.MML[g][0] * math.Abs(w[1]) * r
			rem[3] += cs.MML[g][0] * math.Abs(w[2]) * r
		}
	}
	for x := range got {
		if d := math.Abs(got[x] - want[x]); d > rem[x]+1e-12*(math.Abs(want[x])+rem[x]) {
			t.Fatalf("%s: compensator sum %d: Taylor %.17g, direct %.17g: error %.3g above its remainder bound %.3g", name, x, got[x], want[x], d, rem[x])
		}
	}
}

func powInt(x float64, n int) float64 {
	y := 1.0
	for range n {
		y *= x
	}
	return y
}

// BenchmarkTaylorPass measures the Taylor tail's pass over the distinct
// times, unrolled and by the loops over m, at both accuracies' orders, on a
// synthetic cascade of 10 000 events over an hour (3 500 distinct times).
func BenchmarkTaylorPass(b *testing.B) {
	times, mags := synthetic(10000, 3600, 1)
	cs := newCascade(times, mags, 3600)
	cs.marks(0.5)
	m := len(cs.u) - 1
	sums := make([][4]float64, m)
	for _, acc := range []accuracy{rough, precise} {
		nodes, _ := cs.laplaceRates(30, 0.5, acc)
		_, tm := cs.taylorSplit(nodes, 30, 0.5, acc)
		b.Run(fmt.Sprintf("unrolled/p=%d", tm.p), func(b *testing.B) {
			for range b.N {
				cs.taylorPass(&tm, sums)
			}
		})
		b.Run(fmt.Sprintf("loops/p=%d", tm.p), func(b *testing.B) {
			for range b.N {
				cs.taylorLoops(&tm, sums)
			}
		})
	}
}
