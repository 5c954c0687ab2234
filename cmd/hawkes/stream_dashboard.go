package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/stream"
	"github.com/hawkes-toolkit/hawkes/stream/dashboard"
)

// DashboardFlags are the flags of the dashboard, which hawkes stream
// dashboard and hawkes stream --http share.
type DashboardFlags struct {
	HTTP        string // listen there; "" for no dashboard (hawkes stream)
	MaxCascades int
}

// addDashboardFlags adds the dashboard's flags; def is --http's default.
func addDashboardFlags(f *pflag.FlagSet, o *DashboardFlags, def, usage string) {
	f.StringVar(&o.HTTP, "http", def, usage)
	f.IntVar(&o.MaxCascades, "max-cascades", dashboard.DefaultMaxCascades, "the dashboard keeps the newest `K` cascades (its memory is bounded by them)")
}

// validate checks the flags.
func (o *DashboardFlags) validate() error {
	if o.MaxCascades < 1 {
		return fmt.Errorf("--max-cascades must be at least 1, got %d", o.MaxCascades)
	}
	if o.HTTP == "" {
		return nil
	}
	if _, err := dashboard.ListenAddr(o.HTTP); err != nil {
		return fmt.Errorf("--http must be HOST:PORT or :PORT (127.0.0.1), got %q", o.HTTP)
	}
	return nil
}

// serve starts the dashboard on its address until ctx is done and returns
// its state, to feed.
func (o *DashboardFlags) serve(ctx context.Context, log *slog.Logger) (*dashboard.State, error) {
	st, err := dashboard.NewState(o.MaxCascades)
	if err != nil {
		return nil, err
	}
	addr, err := dashboard.Serve(ctx, o.HTTP, st)
	if err != nil {
		return nil, err
	}
	log.Info("serving the dashboard (no authentication)", "url", "http://"+addr+"/")
	return st, nil
}

// DashboardOptions are the options of hawkes stream dashboard.
type DashboardOptions struct {
	IO    *ioStreams
	Conn  *ConnOptions
	Flags DashboardFlags
	Watch stream.WatchOptions
}

const dashboardLong = `Serve a live dashboard of the stream at http://--http/: the cascades with
their latest prediction, interval, source, model version and state (the
top by predicted size first, sortable), the alerts as they fire, the
running mean and median ARE of the finished cascades per window and per
model version, the retweets per second, open cascades, the fitters'
consumer lag and the dead letters; click a cascade for its growth curve
with its predicted final size. The page pushes updates (server-sent
events) and works offline: everything is in the binary.

The JSON behind it is for scripts too: /api/summary, /api/cascades
(?sort=nhat|n|age|id&limit=N), /api/cascades/ID (with the growth curve),
/api/alerts (?limit=N), and /api/events (server-sent events).

The dashboard reads the predictions, alerts, stats and models topics in its
own consumer group (--dashboard-group), from their oldest messages at each
start, and keeps the newest --max-cascades cascades. There is no
authentication: --http binds 127.0.0.1 unless it names another host
(0.0.0.0:8080 serves every interface, for anyone who can reach it). Runs
until stopped.`

// newStreamDashboardCmd returns hawkes stream dashboard; runF, when not nil,
// replaces runStreamDashboard.
func newStreamDashboardCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *DashboardOptions) error) *cobra.Command {
	opts := &DashboardOptions{IO: ios, Conn: conn, Watch: stream.WatchOptions{Every: stream.DefaultWatchEvery}}
	cmd := &cobra.Command{
		Use:   "dashboard --brokers HOST:PORT,... [--http HOST:PORT]",
		Short: "Serve a live web dashboard of the stream",
		Long:  dashboardLong,
		Example: `  hawkes stream dashboard --brokers 127.0.0.1:9092            # then open http://127.0.0.1:8080/
  hawkes stream dashboard --brokers kafka-1:9092 --http :9000 --max-cascades 50000
  curl -s 'http://127.0.0.1:8080/api/cascades?limit=5' | jq '.[] | {id, nhat: .latest.nhat}'`,
		Args: noArgs,
		RunE: streamRunE(opts, runF, runStreamDashboard),
	}
	f := cmd.Flags()
	addDashboardFlags(f, &opts.Flags, dashboard.DefaultAddr, "serve the dashboard at `HOST:PORT` (no host: 127.0.0.1)")
	f.StringVar(&opts.Watch.Group, "dashboard-group", stream.DefaultWatchGroup, "consumer group of the dashboard (one dashboard per group)")
	f.StringVar(&opts.Watch.FitterGroup, "fitter-group", stream.DefaultFitterGroup, "consumer group of the fitters, whose lag is shown")
	return cmd
}

// Validate checks the flags; package stream holds the rules of the
// watcher's options.
func (o *DashboardOptions) Validate() error {
	if err := o.Conn.validateRole(); err != nil {
		return err
	}
	if err := o.Flags.validate(); err != nil {
		return err
	}
	return o.Watch.Validate()
}

// runStreamDashboard serves the dashboard until ctx is done.
func runStreamDashboard(ctx context.Context, opts *DashboardOptions) error {
	var st *dashboard.State
	return runRole(ctx, opts.IO, opts.Conn, func(log *slog.Logger, m *stream.Metrics) (*stream.Watcher, error) {
		var err error
		if st, err = opts.Flags.serve(ctx, log); err != nil {
			return nil, err
		}
		o := opts.Watch
		o.Log, o.Metrics = log, m
		return stream.NewWatcher(opts.Conn.client(), opts.Conn.Topics, o, st)
	}, func(*stream.Watcher) string {
		if st == nil {
			return "dashboard: not started"
		}
		s := st.Summary()
		return fmt.Sprintf("dashboard: %d cascades seen, %d predictions, %d alerts", s.Cascades, s.Predictions, s.Alerts)
	})
}
