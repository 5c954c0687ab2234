package dashboard

import (
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/stream"
	"github.com/hawkes-toolkit/hawkes/train"
)

var screenshot = flag.String("screenshot", "", "TestBrowser writes a PNG of the page, a cascade clicked, to this `FILE` (docs/dashboard.png)")

// chromium returns the path of the Chromium browser, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("browser test skipped: no chromium on PATH; install it with `apt-get install -y chromium` (make test-browser does)")
	return ""
}

// browser starts headless Chromium, with the flags that keep it off the
// network, and returns a tab's context.
func browser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	return ctx
}

// TestBrowser serves the dashboard of a run of the whole pipeline on the
// embedded broker (real TCP) replaying smh_cascades, and drives headless
// Chromium on it: the table fills as predictions arrive without a reload,
// an alert shows, the counts end as the run's, and a click draws a growth
// curve.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode: run make test-browser")
	}
	path := chromium(t)
	dir := shared.Path(t, "smh_cascades")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cascades, err := data.LoadDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	st := newTestState(t, 0)
	srv := httptest.NewServer(Handler(st))
	// Cleanups run last first: the browser, and its page following the
	// updates, goes before the server, which waits for its requests.
	t.Cleanup(srv.Close)
	tab := browser(t, path)
	run := func(a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, a); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	poll := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(tab, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(2*time.Minute),
			chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			t.Fatalf("waiting in the page for %s (%s): %v", what, expr, err)
		}
	}
	run(chromedp.Navigate(srv.URL))
	poll("the first update", `document.body.dataset.updates >= 1`)
	// A mark on this page: a reload would lose it.
	eval(`window.sameDocument = true`)
	if got := eval(`document.querySelectorAll('#cascades tbody tr').length`); got != 0.0 {
		t.Fatalf("%v rows before the run, want none", got)
	}

	done := make(chan error, 1)
	go func() {
		topics := stream.DefaultTopics()
		topics.RetweetsPartitions = 8
		// Cascades two days apart, finished after 6 h of silence, and
		// forests from every 3 finished ones: the later cascades are
		// predicted by forests, with intervals and model versions.
		_, err := stream.Run(ctx, cascades, stream.Options{Topics: topics, Watch: st,
			Reader:  stream.ReaderOptions{Spacing: 2 * 86400, Speed: 2e6},
			Fitter:  stream.FitterOptions{Terminated: 6 * 3600, Fit: fit.Options{Starts: 4}},
			Trainer: stream.TrainerOptions{RetrainEvery: 3, Forest: train.Config{Trees: 30}},
			Alerts:  stream.AlertsOptions{Threshold: 150}, Log: streamtest.Logger(t)})
		done <- err
	}()
	// Rows arrive while the page stays the same document.
	poll("a first row", `document.querySelectorAll('#cascades tbody tr').length >= 1`)
	rows0 := eval(`document.querySelectorAll('#cascades tbody tr').length`).(float64)
	updates0 := eval(`Number(document.body.dataset.updates)`).(float64)
	poll("an alert", `document.querySelectorAll('#alerts li').length >= 1`)
	poll("the 20 cascades", `document.querySelectorAll('#cascades tbody tr').length == 20`)
	if err := <-done; err != nil {
		t.Fatalf("the run: %v", err)
	}
	poll("the end of the run", `document.getElementById('t-finished').textContent == '20' && document.getElementById('t-lag').textContent == '0'`)
	if eval(`window.sameDocument === true`) != true {
		t.Fatal("the page was reloaded")
	}
	if updates := eval(`Number(document.body.dataset.updates)`).(float64); updates <= updates0 || rows0 == 20 && updates < 3 {
		t.Errorf("%v updates, %v when the first of %v rows showed: want more pushed to the same page", updates, updates0, rows0)
	}

	// The table: the top by predicted size first, as the API has it.
	top, err := st.Cascades(SortNHat, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.querySelector('#cascades tbody tr td').textContent`); got != top[0].ID {
		t.Errorf("first row %v, want %s, the largest predicted", got, top[0].ID)
	}
	// Intervals where the predictions have one.
	all, err := st.Cascades(SortNHat, -1)
	if err != nil {
		t.Fatal(err)
	}
	withInterval := 0
	for _, c := range all {
		if c.Latest.Lo != nil {
			withInterval++
		}
	}
	if got := eval(`[...document.querySelectorAll('#cascades tbody tr')].filter(tr => tr.children[5].textContent.includes(' – ')).length`); got != float64(withInterval) {
		t.Errorf("%v rows show an interval, want %d", got, withInterval)
	}
	if got := eval(`document.getElementById('t-preds').textContent`); got != "40" {
		t.Errorf("predictions tile %v, want 40", got)
	}
	// The alerts, newest first, as fired.
	alerts := st.Alerts(-1)
	if len(alerts) == 0 {
		t.Fatal("the run raised no alert at threshold 150")
	}
	if got := eval(`document.querySelectorAll('#alerts li').length`); got != float64(len(alerts)) {
		t.Errorf("%v alerts shown, want %d", got, len(alerts))
	}
	if got := eval(`document.querySelector('#alerts li b').textContent`).(string); got != alerts[0].ID {
		t.Errorf("newest alert shown %q, want %q", got, alerts[0].ID)
	}
	// The accuracy per window.
	if got := eval(`document.querySelectorAll('#windows .win').length`); got != 2.0 {
		t.Errorf("%v windows in the accuracy panel, want 2", got)
	}

	// Sorting by id, then back by predicted size.
	run(chromedp.Click(`#cascades th[data-key="id"]`))
	ids := eval(`[...document.querySelectorAll('#cascades tbody tr td:first-child')].map(td => td.textContent).join(',')`).(string)
	if sorted := strings.Split(ids, ","); !isSorted(sorted) {
		t.Errorf("sorted by id: %v", sorted)
	}
	run(chromedp.Click(`#cascades th[data-key="nhat"]`))

	// A click draws the cascade's growth curve. The rows are drawn again at
	// each pushed update, so the click is dispatched in the page, where
	// finding the row and clicking it cannot be split by a redraw (a
	// chromedp.Click between the two failed once: "Could not find node").
	eval(`document.querySelector('#cascades tbody tr').click()`)
	poll("the growth curve", `document.querySelector('#curve svg path.curve') !== null`)
	if got := eval(`document.getElementById('detail-id').textContent`); got != top[0].ID {
		t.Errorf("curve of %v, want %s", got, top[0].ID)
	}
	if got := eval(`document.querySelector('#curve svg line.pred') !== null && document.querySelector('#curve svg circle.final') !== null`); got != true {
		t.Error("the curve has no predicted size line or final size mark")
	}

	if *screenshot != "" {
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func isSorted(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] < s[i-1] {
			return false
		}
	}
	return true
}
