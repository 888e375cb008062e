package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/outputs"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/urfave/cli/v3"
)

// This file is the machine-readable UI of -json, in the shape of Terraform's: apply, destroy
// and wait write one JSON object per line on stdout (docs/json-ui.md; schema/ui.schema.json
// is the contract a test holds every line of a real run to), and validate -json writes one
// object with every diagnostic, as terraform validate -json does. Diagnostics still go
// through ui (errorf, warnf, hintf, report): in -json mode ui hands them here.

// The constants of the stream.
const (
	uiModule       = "leasefile.ui"
	uiVersion      = "1.0" // the stream's version: minor for additions, major for breaking changes
	uiTimeLayout   = "2006-01-02T15:04:05.000000Z07:00"
	validateFormat = "1.0" // validate -json's format_version
)

// jsonUI writes -json's messages. It is safe for concurrent use: apply's events, the
// session's warnings and the command's own messages interleave.
type jsonUI struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
	// document is validate -json: diagnostics are gathered into one object, written by close.
	document bool
	diags    []jsonDiagnostic
	// pending is the last diagnostic, held back until no hint can follow it any more (ui's
	// callers print an error, then its hint).
	pending *jsonDiagnostic
	// sources are the Leasefiles read, by the name diagnostics give them, for byte offsets.
	sources map[string][]byte
	closed  bool
}

// newJSONStream starts the stream of apply, destroy and wait with its version message.
func newJSONStream(w io.Writer, now func() time.Time) *jsonUI {
	j := &jsonUI{w: w, now: now, sources: map[string][]byte{}}
	v := strings.TrimPrefix(versionString(), "leasefile ")
	j.emit(jsonMessage{Level: "info", Message: "leasefile " + v, Type: "version", Leasefile: v, UI: uiVersion})
	return j
}

// newJSONDocument gathers validate -json's diagnostics for the one object close writes.
func newJSONDocument(w io.Writer, now func() time.Time) *jsonUI {
	return &jsonUI{w: w, now: now, document: true, sources: map[string][]byte{}}
}

// jsonMessage is one line of the stream: the fields every message has, then those of its type.
type jsonMessage struct {
	Level     string `json:"@level"`
	Message   string `json:"@message"`
	Module    string `json:"@module"`
	Timestamp string `json:"@timestamp"`
	Type      string `json:"type"`

	Leasefile  string             `json:"leasefile,omitempty"` // version
	UI         string             `json:"ui,omitempty"`        // version
	Change     *jsonChange        `json:"change,omitempty"`    // planned_change, resource_drift
	Changes    *jsonChangeSummary `json:"changes,omitempty"`   // change_summary
	Hook       *jsonHook          `json:"hook,omitempty"`      // apply_*, wait_*
	Outputs    any                `json:"outputs,omitempty"`   // outputs: map[string]jsonOutput, {} when none
	Diagnostic *jsonDiagnostic    `json:"diagnostic,omitempty"`
}

// jsonResource is Terraform's resource object for the lease KEY: address lease.KEY.
type jsonResource struct {
	Addr            string `json:"addr"`
	Module          string `json:"module"`
	Resource        string `json:"resource"`
	ImpliedProvider string `json:"implied_provider"`
	ResourceType    string `json:"resource_type"`
	ResourceName    string `json:"resource_name"`
	ResourceKey     any    `json:"resource_key"` // always null: leases have no count or for_each
}

func leaseResource(key string) jsonResource {
	addr := "lease." + key
	return jsonResource{Addr: addr, Resource: addr, ImpliedProvider: "blazar", ResourceType: "lease", ResourceName: key}
}

// jsonChange is planned_change's and resource_drift's change object.
type jsonChange struct {
	Resource         jsonResource  `json:"resource"`
	PreviousResource *jsonResource `json:"previous_resource,omitempty"` // a moved: entry
	Action           string        `json:"action"`
	Reason           string        `json:"reason,omitempty"`
	Site             string        `json:"site,omitempty"`
}

// jsonChangeSummary is change_summary's changes object, counted as Terraform counts: a
// replacement adds one and removes one.
type jsonChangeSummary struct {
	Add       int    `json:"add"`
	Change    int    `json:"change"`
	Remove    int    `json:"remove"`
	Operation string `json:"operation"` // plan, apply or destroy
}

// jsonHook is the hook object of the apply_* and wait_* messages.
type jsonHook struct {
	Resource       jsonResource `json:"resource"`
	Action         string       `json:"action,omitempty"` // apply_*: create, update or delete
	IDKey          string       `json:"id_key,omitempty"`
	IDValue        string       `json:"id_value,omitempty"`
	ElapsedSeconds *int         `json:"elapsed_seconds,omitempty"`
	Site           string       `json:"site,omitempty"`
	Status         string       `json:"status,omitempty"` // the lease's Blazar status, when known
}

// jsonOutput is one value of the outputs message: a lease's outputs, as output -json KEY
// prints them from the state.
type jsonOutput struct {
	Sensitive bool   `json:"sensitive"`
	Type      string `json:"type"`
	Value     any    `json:"value"`
}

// jsonDiagnostic is Terraform's diagnostic object: a short summary, the detail (for leasefile,
// what to do about it), the lease it is about and where in the Leasefile.
type jsonDiagnostic struct {
	Severity string     `json:"severity"` // error or warning
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail"`
	Address  string     `json:"address,omitempty"`
	Range    *jsonRange `json:"range,omitempty"`
}

// jsonRange is a span of the Leasefile: start inclusive, end exclusive.
type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

// jsonPos is a position: 1-based line, 1-based column in characters, 0-based byte offset.
type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// jsonValidate is validate -json's one object.
type jsonValidate struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
}

// emit writes m as one line, after any diagnostic held back.
func (j *jsonUI) emit(m jsonMessage) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.flushLocked()
	j.writeLocked(m)
}

func (j *jsonUI) writeLocked(m jsonMessage) {
	if j.document || j.closed {
		return
	}
	m.Module = uiModule
	m.Timestamp = j.now().Format(uiTimeLayout)
	j.writeJSON(m)
}

func (j *jsonUI) writeJSON(v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // every value written is made of strings, numbers and maps of them
	}
	j.w.Write(b.Bytes())
}

// diagnostic queues d: it is written once the next message comes, so that a hint printed
// right after it can still become its detail.
func (j *jsonUI) diagnostic(d jsonDiagnostic) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.flushLocked()
	j.pending = &d
}

// hint adds a remedy to the diagnostic just queued; alone, it becomes a warning.
func (j *jsonUI) hint(text string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.pending == nil {
		j.pending = &jsonDiagnostic{Severity: "warning", Summary: text}
		return
	}
	if j.pending.Detail != "" {
		j.pending.Detail += "\n\n"
	}
	j.pending.Detail += text
}

func (j *jsonUI) flushLocked() {
	d := j.pending
	if d == nil {
		return
	}
	j.pending = nil
	if j.document {
		j.diags = append(j.diags, *d)
		return
	}
	level, word := "error", "Error: "
	if d.Severity == "warning" {
		level, word = "warn", "Warning: "
	}
	j.writeLocked(jsonMessage{Level: level, Message: word + d.Summary, Type: "diagnostic", Diagnostic: d})
}

// close writes what is held back: the last diagnostic, and validate's object.
func (j *jsonUI) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.flushLocked()
	if j.closed {
		return
	}
	if j.document {
		v := jsonValidate{FormatVersion: validateFormat, Diagnostics: j.diags}
		if v.Diagnostics == nil {
			v.Diagnostics = []jsonDiagnostic{}
		}
		for _, d := range j.diags {
			if d.Severity == "error" {
				v.ErrorCount++
			} else {
				v.WarningCount++
			}
		}
		v.Valid = v.ErrorCount == 0
		j.writeJSON(v)
	}
	j.closed = true
}

// source records a Leasefile's bytes under the name its diagnostics give it.
func (j *jsonUI) source(name string, data []byte) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sources[name] = data
}

// rangeAt is the range of the YAML token at pos in the Leasefile file, or nil when the file
// was not read.
func (j *jsonUI) rangeAt(file string, pos spec.Pos) *jsonRange {
	j.mu.Lock()
	data, ok := j.sources[file]
	j.mu.Unlock()
	if !ok {
		return nil
	}
	start := offsetOf(data, pos)
	end := tokenEnd(data, start.Byte)
	return &jsonRange{Filename: file, Start: start,
		End: jsonPos{Line: start.Line, Column: start.Column + utf8.RuneCount(data[start.Byte:end]), Byte: end}}
}

// offsetOf finds pos (1-based line, column in characters as the YAML parser counts them) in
// data; a position past the end of its line or file is clamped to it.
func offsetOf(data []byte, pos spec.Pos) jsonPos {
	line, col := max(pos.Line, 1), max(pos.Col, 1)
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return jsonPos{Line: l, Column: utf8.RuneCount(data[off:]) + 1, Byte: len(data)}
		}
		off += i + 1
	}
	c := 1
	for c < col && off < len(data) && data[off] != '\n' {
		_, size := utf8.DecodeRune(data[off:])
		off += size
		c++
	}
	return jsonPos{Line: line, Column: c, Byte: off}
}

// tokenEnd is the end of the YAML token starting at off, on its line: a quoted scalar up to
// its closing quote, else up to a mapping colon, a comment, a flow delimiter or the line's
// end, without trailing blanks. Terraform's ranges are for people; so is this one.
func tokenEnd(data []byte, off int) int {
	eol := len(data)
	if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
		eol = off + i
	}
	line := data[off:eol]
	if len(line) > 0 && (line[0] == '"' || line[0] == '\'') {
		q := line[0]
		for i := 1; i < len(line); i++ {
			switch {
			case q == '"' && line[i] == '\\':
				i++
			case line[i] == q && q == '\'' && i+1 < len(line) && line[i+1] == '\'':
				i++
			case line[i] == q:
				return off + i + 1
			}
		}
		return eol
	}
	end := len(line)
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == ',' || c == ']' || c == '}' || (c == ':' && (i+1 == len(line) || line[i+1] == ' ')) ||
			(c == '#' && i > 0 && line[i-1] == ' ') {
			end = i
			break
		}
	}
	for end > 0 && (line[end-1] == ' ' || line[end-1] == '\t' || line[end-1] == '\r') {
		end--
	}
	return off + end
}

// specDiagnostic is a positioned Leasefile problem as a diagnostic.
func (j *jsonUI) specDiagnostic(severity string, e *spec.Error) jsonDiagnostic {
	summary := e.Msg
	if e.Path != "" {
		summary = e.Path + ": " + e.Msg
	}
	return jsonDiagnostic{Severity: severity, Summary: summary, Range: j.rangeAt(e.File, e.Pos)}
}

// reportJSON is report in -json mode: err as diagnostics, and the exit code it stands for.
func (u *ui) reportJSON(err error) int {
	var ee *codeError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			u.json.diagnostic(jsonDiagnostic{Severity: "error", Summary: ee.msg, Detail: ee.hint})
		}
		return ee.code
	}
	var fe *apply.FailedError
	if errors.As(err, &fe) {
		for _, f := range fe.Failures {
			u.json.diagnostic(u.json.failureDiagnostic(f, nil))
		}
		return exitError
	}
	var list spec.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			u.json.diagnostic(u.json.specDiagnostic("error", e))
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				if !errors.As(e, new(spec.ErrorList)) {
					u.json.diagnostic(jsonDiagnostic{Severity: "error", Summary: e.Error(), Detail: remedy(e)})
				}
			}
		}
		return exitError
	}
	u.json.diagnostic(jsonDiagnostic{Severity: "error", Summary: err.Error(), Detail: remedy(err)})
	return exitError
}

// failureDiagnostic is one lease's failure: the line the text summary prints, its remedy, the
// lease's address and, with the Leasefile sp, where it declares the lease.
func (j *jsonUI) failureDiagnostic(f apply.Failure, sp *spec.File) jsonDiagnostic {
	d := jsonDiagnostic{Severity: "error", Summary: fmt.Sprintf("lease %s (%s): %v", f.Key, f.Site, f.Err),
		Detail: failureHint(f), Address: "lease." + f.Key}
	if sp != nil {
		if l := sp.Lease(f.Key); l != nil {
			d.Range = j.rangeAt(sp.Path, l.Pos)
		}
	}
	return d
}

// jsonAction is the word Terraform's planned_change and hooks use for a plan action.
func jsonAction(a plan.Action) string {
	switch {
	case a == plan.Create:
		return "create"
	case a == plan.Update:
		return "update"
	case a.IsReplace():
		return "replace"
	case a == plan.Delete:
		return "delete"
	}
	return "noop"
}

// planJSON writes the plan as apply -json begins it: drift, one planned_change per lease the
// plan changes or moves, and the plan's change_summary.
func (j *jsonUI) planJSON(p *plan.Plan) {
	for _, d := range p.Drift {
		action := "update"
		if d.Kind == plan.DriftDeleted || d.Kind == plan.DriftExpired {
			action = "delete"
		}
		j.emit(jsonMessage{Level: "info", Message: fmt.Sprintf("lease.%s: Drift detected (%s): %s", d.Key, d.Kind, d.Detail),
			Type: "resource_drift", Change: &jsonChange{Resource: leaseResource(d.Key), Action: action, Reason: string(d.Kind), Site: d.Site}})
	}
	for _, m := range p.Moves {
		prev := leaseResource(m.From)
		j.emit(jsonMessage{Level: "info", Message: fmt.Sprintf("lease.%s: Plan to move from lease.%s", m.To, m.From),
			Type: "planned_change", Change: &jsonChange{Resource: leaseResource(m.To), PreviousResource: &prev, Action: "move"}})
	}
	var sum jsonChangeSummary
	for _, ch := range p.Changes {
		if ch.Action == plan.NoOp {
			continue
		}
		act := jsonAction(ch.Action)
		switch act {
		case "create":
			sum.Add++
		case "update":
			sum.Change++
		case "replace":
			sum.Add++
			sum.Remove++
		case "delete":
			sum.Remove++
		}
		j.emit(jsonMessage{Level: "info", Message: fmt.Sprintf("lease.%s: Plan to %s", ch.Key, act),
			Type: "planned_change", Change: &jsonChange{Resource: leaseResource(ch.Key), Action: act, Reason: string(ch.ActionReason), Site: ch.Site}})
	}
	sum.Operation = "plan"
	j.emit(jsonMessage{Level: "info", Message: strings.TrimSpace(p.Summary()), Type: "change_summary", Changes: &sum})
}

// applySummaryJSON writes the change_summary that ends apply and destroy: what was done,
// counted as Terraform counts, with the text summary's line as its message.
func (j *jsonUI) applySummaryJSON(p *plan.Plan, res *apply.Result, line string) {
	sum := jsonChangeSummary{Operation: "apply"}
	if p.Destroy {
		sum.Operation = "destroy"
	}
	count := func(act plan.Action) {
		switch {
		case act == plan.Create:
			sum.Add++
		case act == plan.Update:
			sum.Change++
		case act.IsReplace():
			sum.Add++
			sum.Remove++
		case act == plan.Delete:
			sum.Remove++
		}
	}
	if res != nil {
		for _, d := range res.Done {
			count(d.Action)
		}
		for _, f := range res.Failed {
			if f.LeaseID != "" {
				count(f.Action) // made, only what followed failed
			}
		}
	}
	if line == "" { // summaryLine has none for a refresh that failed
		line = "Refresh finished with errors."
	}
	j.emit(jsonMessage{Level: "info", Message: line, Type: "change_summary", Changes: &sum})
}

// outputsJSON writes the outputs message: the outputs of the state's leases under keys (all
// when keys is nil), from the state alone, as output -json KEY gives them.
func (j *jsonUI) outputsJSON(f *state.File, keys []string) {
	all := outputs.FromState(f)
	outs := map[string]jsonOutput{}
	for k, o := range all {
		if keys == nil || slices.Contains(keys, k) {
			outs[k] = jsonOutput{Type: "object", Value: o}
		}
	}
	j.emit(jsonMessage{Level: "info", Message: fmt.Sprintf("Outputs: %d", len(outs)), Type: "outputs", Outputs: outs})
}

// jsonProgress renders apply's events as hook messages. A lease's change is apply_start,
// apply_progress (retries), then apply_complete or apply_errored, one sequence per call
// (a replacement is a delete and a create, as Terraform's hooks show it); the wait for a
// lease to become ACTIVE that follows is wait_start, wait_progress (status changes, "still
// waiting"), then wait_complete or wait_errored.
type jsonProgress struct {
	j   *jsonUI
	now func() time.Time
	// actions are the plan's actions by key; waitFor the keys whose creation is waited for.
	actions map[string]plan.Action
	waitFor map[string]bool

	sites    map[string]string
	ids      map[string]string
	status   map[string]string
	inflight map[string]string    // the action of the call under way, by key
	started  map[string]time.Time // when it began
	waiting  map[string]time.Time // when the wait began, by key, while waiting
}

func newJSONProgress(j *jsonUI, now func() time.Time, p *plan.Plan) *jsonProgress {
	jp := &jsonProgress{j: j, now: now, actions: map[string]plan.Action{}, waitFor: map[string]bool{},
		sites: map[string]string{}, ids: map[string]string{}, status: map[string]string{},
		inflight: map[string]string{}, started: map[string]time.Time{}, waiting: map[string]time.Time{}}
	if p != nil {
		for _, ch := range p.Changes {
			jp.actions[ch.Key] = ch.Action
			jp.sites[ch.Key] = ch.Site
			if ch.LeaseID != "" {
				jp.ids[ch.Key] = ch.LeaseID
			}
		}
		for _, a := range p.Await {
			jp.sites[a.Key], jp.ids[a.Key] = a.Site, a.LeaseID
		}
		jp.waitFor = waitedKeys(p)
	}
	return jp
}

func seconds(d time.Duration) *int {
	s := int(d.Round(time.Second) / time.Second)
	return &s
}

func (jp *jsonProgress) hook(key string) *jsonHook {
	h := &jsonHook{Resource: leaseResource(key), Site: jp.sites[key], Status: jp.status[key]}
	if id := jp.ids[key]; id != "" {
		h.IDKey, h.IDValue = "id", id
	}
	return h
}

func (jp *jsonProgress) send(typ, msg string, h *jsonHook) {
	jp.j.emit(jsonMessage{Level: "info", Message: msg, Type: typ, Hook: h})
}

// Report implements apply.Reporter.
func (jp *jsonProgress) Report(e apply.Event) {
	if e.Site != "" {
		jp.sites[e.Key] = e.Site
	}
	if e.LeaseID != "" {
		jp.ids[e.Key] = e.LeaseID
	}
	if e.Status != "" && e.Kind != apply.StillWaiting {
		jp.status[e.Key] = e.Status
	}
	switch e.Kind {
	case apply.Creating:
		jp.start(e.Key, "create", e.String())
	case apply.Updating:
		jp.start(e.Key, "update", e.String())
	case apply.Deleting:
		jp.start(e.Key, "delete", e.String())
	case apply.Created:
		jp.complete(e.Key, e.String())
		if jp.waitFor[e.Key] && e.Status != "ACTIVE" {
			jp.startWait(e.Key)
		}
	case apply.Adopted:
		jp.adopted(e)
	case apply.Updated:
		jp.complete(e.Key, e.String())
	case apply.Deleted:
		if _, ok := jp.inflight[e.Key]; !ok {
			// A delete with no call (the lease was already gone) starts and ends at once.
			jp.start(e.Key, "delete", e.Key+": deleting...")
		}
		jp.complete(e.Key, e.String())
	case apply.Awaiting:
		jp.startWait(e.Key)
	case apply.StatusChanged:
		jp.ensureWait(e.Key)
		h := jp.hook(e.Key)
		h.ElapsedSeconds = seconds(e.Elapsed)
		jp.send("wait_progress", e.String(), h)
	case apply.Active:
		jp.ensureWait(e.Key)
		h := jp.hook(e.Key)
		h.ElapsedSeconds = seconds(e.Elapsed)
		delete(jp.waiting, e.Key)
		jp.send("wait_complete", e.String(), h)
	case apply.StillWaiting:
		jp.stillWaiting(e)
	case apply.Retrying:
		jp.retrying(e)
	case apply.Failed:
		jp.failed(e)
	default: // Replaced: both halves were reported as they happened
		jp.j.emit(jsonMessage{Level: "info", Message: e.String(), Type: "log"})
	}
}

// adopted reports a lease taken into the state: the end of its create, or, when no create
// was under way, a lease an earlier, interrupted run created.
func (jp *jsonProgress) adopted(e apply.Event) {
	if jp.inflight[e.Key] != "create" {
		jp.j.emit(jsonMessage{Level: "info", Message: e.String(), Type: "log"})
		return
	}
	jp.complete(e.Key, e.String())
	if jp.waitFor[e.Key] && e.Status != "ACTIVE" {
		jp.startWait(e.Key)
	}
}

// stillWaiting reports the progress of every wait e names.
func (jp *jsonProgress) stillWaiting(e apply.Event) {
	for _, k := range strings.Split(e.Message, ", ") {
		if k == "" {
			continue
		}
		jp.ensureWait(k)
		h := jp.hook(k)
		h.ElapsedSeconds = seconds(jp.now().Sub(jp.waiting[k]))
		jp.send("wait_progress", fmt.Sprintf("%s: still waiting (%s)... [%s elapsed]", k, statusOr(jp.status[k], "CREATED"), time.Duration(*h.ElapsedSeconds)*time.Second), h)
	}
}

// retrying reports a retry as the progress of the wait or of the call under way.
func (jp *jsonProgress) retrying(e apply.Event) {
	h := jp.hook(e.Key)
	if since, ok := jp.waiting[e.Key]; ok {
		h.ElapsedSeconds = seconds(jp.now().Sub(since))
		jp.send("wait_progress", e.String(), h)
		return
	}
	h.Action = jp.action(e.Key)
	h.ElapsedSeconds = seconds(jp.now().Sub(jp.startedAt(e.Key)))
	jp.send("apply_progress", e.String(), h)
}

// failed reports a failure as the end of the wait or of the call under way.
func (jp *jsonProgress) failed(e apply.Event) {
	var se *apply.StatusError
	if errors.As(e.Err, &se) && se.Status != "" {
		jp.status[e.Key] = se.Status // the status that ended the wait
	}
	h := jp.hook(e.Key)
	if since, ok := jp.waiting[e.Key]; ok {
		h.ElapsedSeconds = seconds(jp.now().Sub(since))
		delete(jp.waiting, e.Key)
		jp.send("wait_errored", e.String(), h)
		return
	}
	h.Action = jp.action(e.Key)
	h.ElapsedSeconds = seconds(jp.now().Sub(jp.startedAt(e.Key)))
	delete(jp.inflight, e.Key)
	jp.send("apply_errored", e.String(), h)
}

// action is the call under way for key, else what its change does first.
func (jp *jsonProgress) action(key string) string {
	if a, ok := jp.inflight[key]; ok {
		return a
	}
	switch a := jp.actions[key]; {
	case a == plan.DeleteThenCreate:
		return "delete"
	case a.IsReplace():
		return "create"
	default:
		return jsonAction(a)
	}
}

func (jp *jsonProgress) startedAt(key string) time.Time {
	if t, ok := jp.started[key]; ok {
		return t
	}
	return jp.now()
}

func (jp *jsonProgress) start(key, action, msg string) {
	jp.inflight[key] = action
	jp.started[key] = jp.now()
	h := jp.hook(key)
	h.Action = action
	h.Status = ""
	if action == "create" {
		h.IDKey, h.IDValue = "", "" // the lease to be made has no ID yet
	}
	jp.send("apply_start", msg, h)
}

func (jp *jsonProgress) complete(key, msg string) {
	h := jp.hook(key)
	h.Action = jp.action(key)
	h.ElapsedSeconds = seconds(jp.now().Sub(jp.startedAt(key)))
	if h.Action == "delete" {
		h.Status = "" // the status seen was the lease's before it was deleted, or the new one's
	}
	delete(jp.inflight, key)
	jp.send("apply_complete", msg, h)
}

// startWait begins the wait for key to become ACTIVE.
func (jp *jsonProgress) startWait(key string) {
	jp.waiting[key] = jp.now()
	jp.send("wait_start", fmt.Sprintf("%s: waiting for ACTIVE (%s)", key, statusOr(jp.status[key], "CREATED")), jp.hook(key))
}

func (jp *jsonProgress) ensureWait(key string) {
	if _, ok := jp.waiting[key]; !ok {
		jp.startWait(key)
	}
}

// waitJSON starts the stream of leasefile wait: one wait_start per lease, from the state.
func (jp *jsonProgress) waitJSON(f *state.File, keys []string) {
	for _, k := range slices.Sorted(slices.Values(keys)) {
		if l, ok := f.Lease(k); ok {
			jp.sites[k], jp.ids[k], jp.status[k] = l.Site, l.ID, l.Status
		}
		jp.startWait(k)
	}
}

// jsonStreamFlag is -json of apply, destroy and wait.
func jsonStreamFlag(dst *bool) cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "stream progress as JSON lines, as Terraform's -json (docs/json-ui.md); asks nothing", Destination: dst}
}

// startJSONStream switches the invocation to -json's stream, before anything else is said.
func (a *app) startJSONStream() {
	if a.json == nil {
		a.json = newJSONStream(a.stdout, a.now)
	}
}

// applyResultJSON ends apply -json and destroy -json: the change_summary, the outputs after
// a success, and a diagnostic per lease that failed, with its remedy.
func (a *app) applyResultJSON(s *session, store *state.Store, p *plan.Plan, res *apply.Result, err error, took time.Duration) error {
	if res != nil {
		a.json.applySummaryJSON(p, res, summaryLine(p, res, err, took))
	}
	if err == nil {
		a.json.outputsJSON(store.Snapshot(), nil)
		return nil
	}
	if h := saveHint(err); h != "" {
		return &codeError{code: exitError, msg: err.Error(), hint: h}
	}
	if res == nil || len(res.Failed) == 0 {
		return err
	}
	for _, f := range res.Failed {
		a.json.diagnostic(a.json.failureDiagnostic(f, s.spec))
	}
	return silent(exitError)
}
