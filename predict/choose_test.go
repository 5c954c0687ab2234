package predict

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/train"
)

// chooseScan is splitTable.choose as first written: every pair of the two
// halves in order of summed width, each checked with the float rule. choose
// must pick the same pair.
func chooseScan(s *splitTable, cover, floor float64) *train.Interval {
	type pair struct {
		a, c int
		w    float64
	}
	var opts [2][]pair
	for b := range opts {
		for a := range splitSteps {
			for c := range splitSteps {
				opts[b] = append(opts[b], pair{a, c, s.width[b][a][c]})
			}
		}
		slices.SortStableFunc(opts[b], func(u, v pair) int { return cmp.Compare(u.w, v.w) })
	}
	widest := pair{splitSteps - 1, splitSteps - 1, 0}
	best, bw := [2]pair{widest, widest}, math.Inf(1)
	for _, p0 := range opts[0] {
		if p0.w+opts[1][0].w >= bw {
			break
		}
		for _, p1 := range opts[1] {
			if p0.w+p1.w >= bw {
				break
			}
			all, ok := 0, true
			for g := range s.n {
				cg := s.cover[0][p0.a][p0.c][g] + s.cover[1][p1.a][p1.c][g]
				all += cg
				if s.n[g] > 0 && float64(cg) < floor*float64(s.n[g]) {
					ok = false
					break
				}
			}
			if ok && float64(all) >= cover*float64(s.total) {
				best, bw = [2]pair{p0, p1}, p0.w+p1.w
				break
			}
		}
	}
	split := s.split
	return &train.Interval{Level: DefaultLevel, QLo: splitTaus[best[0].a], QHi: splitTaus[2*splitSteps-1-best[0].c],
		Split: &split, QLo2: splitTaus[best[1].a], QHi2: splitTaus[2*splitSteps-1-best[1].c]}
}

// randomSplitTable returns a table shaped like newSplitTable's: per half
// and group a number of rows, and for each pair of levels a count of them
// covered that grows as the levels move out, and a width that grows too
// (rounded to 0.25 when ties, so that pairs of equal width occur).
func randomSplitTable(rng *rand.Rand, rows int, ties bool) *splitTable {
	s := &splitTable{split: 1.5}
	var nb [2][10]int
	for range rows {
		b, g := rng.IntN(2), rng.IntN(10)
		nb[b][g]++
		s.n[g]++
		s.total++
	}
	for b := range 2 {
		for a := range splitSteps {
			for c := range splitSteps {
				// a and c count from the middle outwards: level a's lower
				// quantile is (a+1)/100, so a smaller a is wider.
				out := float64(2*splitSteps-a-c) / float64(2*splitSteps)
				w := out*float64(nb[b][0]+nb[b][5]+10) + rng.Float64()
				if ties {
					w = math.Round(4*w) / 4
				}
				s.width[b][a][c] = w
				for g := range 10 {
					p := min(1, out*(0.7+0.5*rng.Float64()))
					k := 0
					for range nb[b][g] {
						if rng.Float64() < p {
							k++
						}
					}
					s.cover[b][a][c][g] = k
				}
			}
		}
	}
	s.sortOptions()
	return s
}

func TestSplitChooseMatchesScan(t *testing.T) {
	type target struct{ cover, floor float64 }
	var targets []target
	for _, c := range append(slices.Clone(splitCovers), 0, 0.5, 0.8, 0.95, 1, 1.01) {
		for _, f := range append(slices.Clone(splitFloors), 0, 0.65, 0.9, 1) {
			targets = append(targets, target{c, f})
		}
	}
	tests := []struct {
		name  string
		rows  int
		ties  bool
		short bool // run under -short too
	}{
		{"few rows", 12, false, true},
		{"few rows with ties", 12, true, true},
		{"inner fold", 260, false, false},
		{"inner fold with ties", 260, true, true},
		{"outer fold", 406, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && !tc.short {
				t.Skip("the scan is slow under the race detector; the other sizes run without -short")
			}
			rng := rand.New(rand.NewPCG(7, uint64(tc.rows)))
			chosen := map[[4]float64]bool{}
			reps := 4
			if testing.Short() {
				reps = 1
			}
			for rep := range reps {
				s := randomSplitTable(rng, tc.rows, tc.ties)
				for _, tg := range targets {
					got, want := s.choose(tg.cover, tg.floor), chooseScan(s, tg.cover, tg.floor)
					if *got.Split != *want.Split || got.QLo != want.QLo || got.QHi != want.QHi || got.QLo2 != want.QLo2 || got.QHi2 != want.QHi2 {
						t.Fatalf("table %d, cover %v floor %v: choose gave %+v, the scan %+v", rep, tg.cover, tg.floor, *got, *want)
					}
					chosen[[4]float64{got.QLo, got.QHi, got.QLo2, got.QHi2}] = true
				}
			}
			// The tables must make the targets choose apart, or the
			// comparison proves little.
			if len(chosen) < 4 {
				t.Errorf("only %d distinct intervals chosen over the targets", len(chosen))
			}
		})
	}
}

// BenchmarkSplitChoose chooses the 16 targets of splitTargets on a table
// of an inner fold's size.
func BenchmarkSplitChoose(b *testing.B) {
	s := randomSplitTable(rand.New(rand.NewPCG(7, 260)), 260, true)
	for b.Loop() {
		for _, c := range splitCovers {
			for _, f := range splitFloors {
				s.choose(c, f)
			}
		}
	}
}
