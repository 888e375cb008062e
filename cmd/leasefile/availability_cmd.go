package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/avail"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/urfave/cli/v3"
)

// availabilityOptions are the flags of leasefile availability.
type availabilityOptions struct {
	site, typ, nodeType, machineName, deviceModel, physicalNetwork, query string
	count                                                                 int
	duration, within, notBefore, format, out                              string
	jsonOut                                                               bool
	windows, width                                                        int
}

func (a *app) availabilityCommand() *cli.Command {
	var o availabilityOptions
	return &cli.Command{
		Name:      "availability",
		Usage:     "show what a site has, when a reservation would fit, and a calendar of its resources",
		UsageText: "leasefile availability --site SITE [--node-type T | --machine-name M | --physical-network P | --query JSON] [--count N] [--duration D] [-format text|svg|json]",
		Description: "Reads the site's hosts, devices and networks and their allocations (one read each) and,\n" +
			"with no filter, lists what the site has: node types with counts, devices by machine name,\n" +
			"VLAN physical networks. With a filter it evaluates the query as Blazar does, lists the\n" +
			"earliest windows at which --count resources are free for --duration (with Chameleon's\n" +
			"5-minute cleaning gap), and draws a calendar of the matching resources over --within:\n" +
			"Unicode blocks in a terminal, or -format svg for a picture, -format json for scripts.\n\n" +
			"Example:\n  leasefile availability --site CHI@UC --node-type gpu_rtx_6000 --count 2 --duration 1d",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "site", Usage: "the `SITE`, e.g. CHI@UC", Destination: &o.site, Required: true},
			&cli.StringFlag{Name: "type", Usage: "node, device or network (default: from the filter, else node)", Destination: &o.typ},
			&cli.StringFlag{Name: "node-type", Usage: "hosts of node_type `T`", Destination: &o.nodeType},
			&cli.StringFlag{Name: "machine-name", Usage: "devices of machine_name `M`", Destination: &o.machineName},
			&cli.StringFlag{Name: "device-model", Usage: "devices of model `M`", Destination: &o.deviceModel},
			&cli.StringFlag{Name: "physical-network", Usage: "VLAN segments on physical network `P`", Destination: &o.physicalNetwork},
			&cli.StringFlag{Name: "query", Usage: "a raw resource_properties `JSON` query, e.g. '[\">=\", \"$architecture.smt_size\", \"48\"]'", Destination: &o.query},
			&cli.IntFlag{Name: "count", Value: 1, Usage: "how many resources at once", Destination: &o.count},
			&cli.StringFlag{Name: "duration", Value: "1d", Usage: "for how long (1d, 6h, 90m)", Destination: &o.duration},
			&cli.StringFlag{Name: "within", Value: "7d", Usage: "search and draw this far ahead", Destination: &o.within},
			&cli.StringFlag{Name: "not-before", Usage: "start no earlier than `TIME` (\"2026-12-01 09:00\" UTC or RFC 3339)", Destination: &o.notBefore},
			&cli.IntFlag{Name: "windows", Value: 3, Usage: "list this many windows", Destination: &o.windows},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, svg or json", Destination: &o.format},
			&cli.BoolFlag{Name: "json", Usage: "same as -format json", Destination: &o.jsonOut},
			&cli.StringFlag{Name: "out", Usage: "write the calendar or JSON to `FILE` instead of stdout", Destination: &o.out},
			&cli.IntFlag{Name: "width", Value: 84, Usage: "calendar cells across in a terminal", Destination: &o.width},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if o.jsonOut {
				o.format = "json"
			}
			return a.availability(ctx, o, c.IsSet("count"))
		},
	}
}

// availabilityQuery is what the flags ask for, checked before anything is contacted.
type availabilityQuery struct {
	kind     avail.Kind
	conds    []avail.Cond
	filtered bool
	count    int
	dur      time.Duration
	within   time.Duration
	from     time.Time
}

func (o availabilityOptions) parse(now time.Time, countSet bool) (availabilityQuery, error) {
	q := availabilityQuery{count: o.count, from: now.Truncate(time.Minute)}
	var err error
	if q.dur, err = spec.ParseDuration(o.duration); err != nil {
		return q, fmt.Errorf("--duration: %w", err)
	}
	if q.within, err = spec.ParseDuration(o.within); err != nil {
		return q, fmt.Errorf("--within: %w", err)
	}
	if o.notBefore != "" {
		t, err := spec.ParseTime(o.notBefore)
		if err != nil {
			return q, fmt.Errorf("--not-before: %w", err)
		}
		if !t.Now && t.At.After(now) {
			q.from = t.At
		}
	}
	if o.count < 1 {
		return q, fmt.Errorf("--count must be at least 1")
	}
	switch o.format {
	case "text", "svg", "json":
	default:
		return q, fmt.Errorf("unknown -format %q: use text, svg or json", o.format)
	}
	eq := func(k, v string) {
		if v != "" {
			q.conds = append(q.conds, avail.Cond{Key: k, Op: "==", Value: v})
		}
	}
	kinds := map[string]avail.Kind{"node": avail.Host, "device": avail.Device, "network": avail.Network}
	q.kind = kinds[o.typ]
	switch {
	case o.typ != "" && q.kind == "":
		return q, fmt.Errorf("unknown --type %q: use node, device or network", o.typ)
	case o.nodeType != "":
		q.kind = avail.Host
	case o.machineName != "" || o.deviceModel != "":
		q.kind = avail.Device
	case o.physicalNetwork != "":
		q.kind = avail.Network
	case q.kind == "":
		q.kind = avail.Host
	}
	eq("node_type", o.nodeType)
	eq("machine_name", o.machineName)
	eq("model", o.deviceModel)
	eq("physical_network", o.physicalNetwork)
	if o.query != "" {
		raw, err := avail.ParseRequirements(o.query)
		if err != nil {
			return q, fmt.Errorf("--query: %w: write [op, \"$key\", \"value\"] or [\"and\", ...], values as strings", err)
		}
		q.conds = append(q.conds, raw...)
	}
	q.filtered = len(q.conds) > 0 || countSet || o.typ != ""
	return q, nil
}

func (a *app) availability(ctx context.Context, o availabilityOptions, countSet bool) error {
	q, err := o.parse(a.now(), countSet)
	if err != nil {
		return err
	}
	s, err := a.openSession(ctx, specOptional)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.connect(ctx, []string{o.site}); err != nil {
		return err
	}
	live, err := s.live(ctx)
	if err != nil {
		return err
	}
	sites, errs := s.fetchAvailability(ctx, []string{o.site}, cleaningGap, ownLeases(live, s.lastDropped))
	if err := errs[o.site]; err != nil {
		return fmt.Errorf("%s: %w", o.site, err)
	}
	site := sites[o.site]
	w := a.stdout
	if o.out != "" {
		f, err := os.Create(a.abs(o.out))
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if !q.filtered {
		return renderSummary(w, site, o.format)
	}
	if why := site.Unknown[q.kind]; why != "" {
		return &codeError{code: exitError, msg: fmt.Sprintf("availability of %ss at %s unknown: %s", q.kind, o.site, why),
			hint: hintAvailabilityUnknown}
	}
	project := s.sites[o.site].ProjectID
	matching, err := site.Match(q.kind, q.conds, project)
	if err != nil {
		return fmt.Errorf("%s: %w", o.site, err)
	}
	if len(matching) == 0 {
		msg := site.Explain(q.kind, q.conds, project)
		if msg == "" {
			msg = fmt.Sprintf("no %s at %s matches the query that your project may reserve", q.kind, o.site)
		}
		return &codeError{code: exitError, msg: msg, hint: availabilityNoMatchHint(o.site)}
	}
	req := avail.Request{Label: "availability", Site: o.site, Kind: q.kind, Conds: q.conds, Min: q.count, Max: q.count,
		Start: q.from, End: q.from.Add(q.dur), Project: project}
	fits := avail.Windows(sites, []avail.Request{req}, q.from, q.within, o.windows)
	cal := site.Calendar(matching, q.from, q.from.Add(q.within))
	switch o.format {
	case "svg":
		return cal.SVG(w)
	case "json":
		return renderAvailabilityJSON(w, o, q, matching, fits, cal)
	}
	what := describeQuery(q)
	verb := "match"
	if len(matching) == 1 {
		verb = "matches"
	}
	fmt.Fprintf(w, "%s: %s you may reserve %s %s.\n", o.site, plural(len(matching), string(q.kind)), verb, what)
	if len(fits) == 0 {
		_, rs, _ := avail.Earliest(sites, []avail.Request{req}, q.from, q.within)
		fmt.Fprintf(w, "No window for %d %s for %s within %s: %s\n", q.count, pluralWord(q.count, string(q.kind)), spec.FormatDuration(q.dur),
			spec.FormatDuration(q.within), strings.TrimPrefix(rs[0].String(), "will fail: "))
	} else {
		fmt.Fprintf(w, "Earliest windows for %d %s for %s:\n", q.count, pluralWord(q.count, string(q.kind)), spec.FormatDuration(q.dur))
		for _, f := range fits {
			fmt.Fprintf(w, "  %s to %s UTC  %s\n", f.Start.UTC().Format(spec.BlazarLayout), f.End.UTC().Format(spec.BlazarLayout), f.Results[0])
		}
	}
	fmt.Fprintln(w)
	return cal.Text(w, o.width)
}

func pluralWord(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

func describeQuery(q availabilityQuery) string {
	if len(q.conds) == 0 {
		return "(no constraint)"
	}
	parts := make([]string, len(q.conds))
	for i, c := range q.conds {
		parts[i] = c.String()
	}
	return strings.Join(parts, " and ")
}

func renderSummary(w io.Writer, site *avail.Site, format string) error {
	sum := site.Summary()
	if format == "json" {
		unknown := map[string]string{}
		for k, v := range site.Unknown {
			if v != "" {
				unknown[string(k)] = v
			}
		}
		return writeIndentedJSON(w, map[string]any{"site": site.Name, "node_types": orEmpty(sum[avail.Host]),
			"devices": orEmpty(sum[avail.Device]), "networks": orEmpty(sum[avail.Network]), "unknown": unknown})
	}
	if format == "svg" {
		return fmt.Errorf("-format svg draws a calendar: give a filter, e.g. --node-type")
	}
	fmt.Fprintf(w, "%s has:\n", site.Name)
	section := func(title string, kind avail.Kind, counts []avail.Count) {
		if why := site.Unknown[kind]; why != "" && !strings.Contains(why, "404") {
			fmt.Fprintf(w, "  %s: availability unknown (%s)\n", title, why)
			return
		}
		if len(counts) == 0 {
			return
		}
		total, width := 0, 0
		for _, c := range counts {
			total += c.N
			width = max(width, len(c.Name))
		}
		fmt.Fprintf(w, "  %s (%d):\n", title, total)
		for _, c := range counts {
			fmt.Fprintf(w, "    %-*s  %d\n", width, c.Name, c.N)
		}
	}
	section("node types, hosts", avail.Host, sum[avail.Host])
	section("devices by machine name", avail.Device, sum[avail.Device])
	section("VLAN segments by physical network", avail.Network, sum[avail.Network])
	return nil
}

func orEmpty(c []avail.Count) []avail.Count {
	if c == nil {
		return []avail.Count{}
	}
	return c
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func renderAvailabilityJSON(w io.Writer, o availabilityOptions, q availabilityQuery, matching []*avail.Resource, fits []avail.Fit, cal avail.Calendar) error {
	type window struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
		Free  int       `json:"free"`
	}
	type busy struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
		Own   bool      `json:"own"`
	}
	type resource struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Busy []busy `json:"busy"`
	}
	ws := []window{}
	for _, f := range fits {
		ws = append(ws, window{f.Start.UTC(), f.End.UTC(), f.Results[0].Free})
	}
	rs := []resource{}
	for i, r := range matching {
		b := []busy{}
		for _, x := range cal.Rows[i].Busy {
			b = append(b, busy{x.Start.UTC(), x.End.UTC(), x.Own})
		}
		rs = append(rs, resource{r.ID, r.Name, b})
	}
	conds := []string{}
	for _, c := range q.conds {
		conds = append(conds, c.String())
	}
	return writeIndentedJSON(w, map[string]any{"site": o.site, "type": string(q.kind), "query": conds, "count": q.count,
		"duration": spec.FormatDuration(q.dur), "from": q.from.UTC(), "to": q.from.Add(q.within).UTC(), "matching": len(matching),
		"windows": ws, "resources": rs})
}
