package state

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCheckSite(t *testing.T) {
	const realURL = "https://chi.uc.chameleoncloud.org:5000/v3"
	real := func(project string) Site { return Site{AuthURL: realURL, ProjectID: project, UserID: "u1"} }
	local := func(port, project string) Site {
		return Site{AuthURL: "http://127.0.0.1:" + port + "/chi-uc/identity/v3", ProjectID: project, Local: true}
	}
	tests := []struct {
		name     string
		recorded *Site // nil: site not in the state
		run      Site
		want     string // error message, "" for none
	}{
		{"site not recorded", nil, real("p1"), ""},
		{"same real site", ptr(real("p1")), real("p1"), ""},
		{"trailing slash ignored", ptr(real("p1")), Site{AuthURL: realURL + "/", ProjectID: "p1"}, ""},
		{"other user, same project", ptr(real("p1")), Site{AuthURL: realURL, ProjectID: "p1", UserID: "u2"}, ""},
		{"other real project", ptr(real("p1")), real("p2"),
			"site CHI@UC: state was written against " + realURL + ", project p1; this run uses " + realURL + ", project p2"},
		{"other real cloud", ptr(real("p1")), Site{AuthURL: "https://chi.tacc.chameleoncloud.org:5000/v3", ProjectID: "p1"},
			"site CHI@UC: state was written against " + realURL + ", project p1; this run uses https://chi.tacc.chameleoncloud.org:5000/v3, project p1"},
		// emulator serve: a state written through localhost is the same Keystone as 127.0.0.1,
		// only for the same project.
		{"served emulator, localhost for 127.0.0.1", ptr(Site{AuthURL: "http://localhost:4001/chi-uc/identity/v3", ProjectID: "demo"}),
			Site{AuthURL: "http://127.0.0.1:4001/chi-uc/identity/v3", ProjectID: "demo"}, ""},
		{"served emulator, localhost, other project", ptr(Site{AuthURL: "http://localhost:4001/chi-uc/identity/v3", ProjectID: "demo"}),
			Site{AuthURL: "http://127.0.0.1:4001/chi-uc/identity/v3", ProjectID: "other"},
			"site CHI@UC: state was written against http://localhost:4001/chi-uc/identity/v3, project demo; this run uses http://127.0.0.1:4001/chi-uc/identity/v3, project other"},
		{"served emulator, localhost, other port", ptr(Site{AuthURL: "http://localhost:4001/chi-uc/identity/v3", ProjectID: "demo"}),
			Site{AuthURL: "http://127.0.0.1:4002/chi-uc/identity/v3", ProjectID: "demo"},
			"site CHI@UC: state was written against http://localhost:4001/chi-uc/identity/v3, project demo; this run uses http://127.0.0.1:4002/chi-uc/identity/v3, project demo"},
		{"local, port changed", ptr(local("4001", "demo")), local("4002", "demo"), ""},
		{"local, other project", ptr(local("4001", "demo")), local("4001", "other"),
			"site CHI@UC: state was written against http://127.0.0.1:4001/chi-uc/identity/v3 (local emulator), project demo; this run uses http://127.0.0.1:4001/chi-uc/identity/v3 (local emulator), project other"},
		{"real state, --local run", ptr(real("demo")), local("4001", "demo"),
			"site CHI@UC: state was written against " + realURL + ", project demo; this run uses http://127.0.0.1:4001/chi-uc/identity/v3 (local emulator), project demo"},
		{"local state, real run", ptr(local("4001", "demo")), real("demo"),
			"site CHI@UC: state was written against http://127.0.0.1:4001/chi-uc/identity/v3 (local emulator), project demo; this run uses " + realURL + ", project demo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New()
			if tt.recorded != nil {
				f.SetSite("CHI@UC", *tt.recorded)
			}
			f.SetSite("CHI@TACC", local("1", "unrelated"))
			err := f.CheckSite("CHI@UC", tt.run)
			got := ""
			if err != nil {
				got = err.Error()
				var sm *SiteMismatchError
				if !errors.As(err, &sm) || sm.Site != "CHI@UC" {
					t.Errorf("error is not a *SiteMismatchError for CHI@UC: %#v", err)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckSite (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestIntents(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f := New()
	f.AddIntent(Intent{Key: "b", Name: "b", Site: "CHI@UC", Time: at})
	f.AddIntent(Intent{Key: "a", Name: "a", Site: "CHI@UC", Time: at})
	f.AddIntent(Intent{Key: "c", Name: "c", Site: "CHI@TACC", Time: at})
	// A second create for the same key replaces the first intent.
	f.AddIntent(Intent{Key: "b", Name: "b-2", Site: "CHI@UC", Time: at.Add(time.Minute)})
	if err := f.ResolveIntent("a", "lease-a"); err != nil {
		t.Fatal(err)
	}
	if err := f.ResolveIntent("zzz", "x"); err == nil {
		t.Error("ResolveIntent of an unknown key: no error")
	}
	dropped := []bool{f.DropIntent("c"), f.DropIntent("c")}
	if diff := cmp.Diff([]bool{true, false}, dropped); diff != "" {
		t.Errorf("DropIntent results (-want +got):\n%s", diff)
	}
	want := []Intent{
		{Key: "a", Name: "a", Site: "CHI@UC", Time: at, ID: "lease-a"},
		{Key: "b", Name: "b-2", Site: "CHI@UC", Time: at.Add(time.Minute)},
	}
	got := f.PendingIntents()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PendingIntents (-want +got):\n%s", diff)
	}
	got[0].ID = "changed"
	if f.Intents[0].ID != "lease-a" {
		t.Error("PendingIntents returned the state's own slice")
	}
}

func TestLeaseHelpers(t *testing.T) {
	f := New()
	f.SetLease("z", &Lease{ID: "3"})
	f.SetLease("a", &Lease{ID: "1"})
	f.SetLease("m", &Lease{ID: "2"})
	removed := []bool{f.RemoveLease("m"), f.RemoveLease("m")}
	_, okA := f.Lease("a")
	_, okM := f.Lease("m")
	got := struct {
		Keys           []string
		Removed        []bool
		HasA, HasM     bool
		ZeroValueKeys  []string
		ZeroValueFound bool
	}{Keys: f.Keys(), Removed: removed, HasA: okA, HasM: okM}
	var zero File // the zero File must not panic on reads or SetLease
	_, got.ZeroValueFound = zero.Lease("x")
	zero.SetLease("x", &Lease{ID: "x"})
	got.ZeroValueKeys = zero.Keys()
	want := struct {
		Keys           []string
		Removed        []bool
		HasA, HasM     bool
		ZeroValueKeys  []string
		ZeroValueFound bool
	}{Keys: []string{"a", "z"}, Removed: []bool{true, false}, HasA: true, ZeroValueKeys: []string{"x"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCloneIsDeep(t *testing.T) {
	f := sample()
	c := f.Clone()
	if diff := cmp.Diff(f, c, ignoreBaseline); diff != "" {
		t.Fatalf("clone differs (-want +got):\n%s", diff)
	}
	want := sample()
	l, _ := c.Lease("training")
	l.Reservations["gpus"] = Reservation{ID: "changed"}
	l.Name = "changed"
	c.SetSite("CHI@UC", Site{ProjectID: "changed"})
	c.Intents[0].Name = "changed"
	c.SetLease("new", &Lease{ID: "n"})
	if diff := cmp.Diff(want, f, ignoreBaseline); diff != "" {
		t.Errorf("changing the clone changed the original (-want +got):\n%s", diff)
	}
}

// TestNoSecretFields guards the invariant that the state has nowhere to put
// a secret: a field added later with such a name fails here.
func TestNoSecretFields(t *testing.T) {
	var found []string
	var walk func(t reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ.PkgPath() != reflect.TypeFor[File]().PkgPath() {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			sf := typ.Field(i)
			name := strings.ToLower(sf.Name + " " + sf.Tag.Get("json"))
			for _, bad := range []string{"secret", "password", "token", "credential"} {
				if strings.Contains(name, bad) {
					found = append(found, typ.Name()+"."+sf.Name)
				}
			}
			walk(sf.Type)
		}
	}
	walk(reflect.TypeFor[File]())
	walk(reflect.TypeFor[LockInfo]())
	if diff := cmp.Diff([]string(nil), found); diff != "" {
		t.Errorf("fields that look like secrets (-want +got):\n%s", diff)
	}
	if !seen[reflect.TypeFor[Reservation]()] {
		t.Error("walk did not reach Reservation; the guard is not looking everywhere")
	}
}

// TestSetSiteKeepsTheSameLocalIdentity: the local emulator listens on a new port each run;
// recording the new URL rewrote the state (and bumped its serial) on every no-op apply.
func TestSetSiteKeepsTheSameLocalIdentity(t *testing.T) {
	f := New()
	rec := Site{AuthURL: "http://127.0.0.1:1000/chi-uc/identity/v3", ProjectID: "p", UserID: "u", Local: true}
	f.SetSite("CHI@UC", rec)
	f.SetSite("CHI@UC", Site{AuthURL: "http://127.0.0.1:2000/chi-uc/identity/v3", ProjectID: "p", UserID: "u", Local: true})
	if got := f.Sites["CHI@UC"]; got != rec {
		t.Errorf("same local identity on another port: recorded %+v, want %+v kept", got, rec)
	}
	other := Site{AuthURL: "https://chi.uc.chameleoncloud.org:5000/v3", ProjectID: "p", UserID: "u"}
	f.SetSite("CHI@UC", other)
	if got := f.Sites["CHI@UC"]; got != other {
		t.Errorf("another identity: recorded %+v, want %+v", got, other)
	}
}

func TestFileNameFor(t *testing.T) {
	for in, want := range map[string]string{
		"":                       DefaultFileName,
		"/x/Leasefile":           DefaultFileName,
		"/x/Leasefile.yaml":      DefaultFileName,
		"leasefile.yaml":         DefaultFileName,
		"examples/edge.yaml":     "edge.state.json",
		"/x/gpu.yml":             "gpu.state.json",
		"/x/Leasefile.prod.yaml": "Leasefile.prod.state.json",
		"/x/experiment":          "experiment.state.json",
	} {
		if got := FileNameFor(in); got != want {
			t.Errorf("FileNameFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckLeasefile(t *testing.T) {
	f := New()
	if err := f.CheckLeasefile("/x/leasefile.state.json", "/x/Leasefile"); err != nil || f.Leasefile != "Leasefile" {
		t.Fatalf("a new state: %v, recorded %q", err, f.Leasefile)
	}
	f.SetLease("a", &Lease{ID: "1"})
	err := f.CheckLeasefile("/x/leasefile.state.json", "/x/edge.yaml")
	var me *LeasefileMismatchError
	if !errors.As(err, &me) || me.Recorded != "/x/Leasefile" || me.Used != "/x/edge.yaml" {
		t.Errorf("another Leasefile: %v, want a mismatch naming both", err)
	}
	if err := f.CheckLeasefile("/x/.leasefile/local/s.json", "/x/Leasefile"); err == nil {
		t.Errorf("the same Leasefile seen from another state directory is recorded relative to it")
	}
}

// TestAuthURLWithoutSecrets: an OS_AUTH_URL carrying a password or a token never reaches the
// state: the recorded URL has no user information, query or fragment.
func TestAuthURLWithoutSecrets(t *testing.T) {
	for in, want := range map[string]string{
		"https://chi.uc.chameleoncloud.org:5000/v3":                      "https://chi.uc.chameleoncloud.org:5000/v3",
		"https://alice:hunter22@chi.uc.chameleoncloud.org:5000/v3":       "https://chi.uc.chameleoncloud.org:5000/v3",
		"https://chi.uc.chameleoncloud.org:5000/v3?token=gAAAA-secret#x": "https://chi.uc.chameleoncloud.org:5000/v3",
		"http://127.0.0.1:40123/identity/v3":                             "http://127.0.0.1:40123/identity/v3",
		"not a url with \x7f and token@host":                             "not a url with \x7f and token",
	} {
		f := New()
		f.SetSite("CHI@UC", Site{AuthURL: in, ProjectID: "p"})
		if got := f.Sites["CHI@UC"].AuthURL; got != want {
			t.Errorf("SetSite(%q) records %q, want %q", in, got, want)
		}
		if got := PublicURL(in); got != want {
			t.Errorf("PublicURL(%q) = %q, want %q", in, got, want)
		}
	}
	// A state written before: the URL is cleaned when read, and still matches this run.
	path := filepath.Join(t.TempDir(), DefaultFileName)
	old := `{"format_version": 1, "lineage": "x", "sites": {"CHI@UC": {"auth_url": "https://alice:hunter22@chi.uc.chameleoncloud.org:5000/v3", "project_id": "p"}}}`
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Sites["CHI@UC"].AuthURL; got != "https://chi.uc.chameleoncloud.org:5000/v3" {
		t.Errorf("loaded auth URL %q", got)
	}
	if err := f.CheckSite("CHI@UC", Site{AuthURL: "https://chi.uc.chameleoncloud.org:5000/v3", ProjectID: "p"}); err != nil {
		t.Error(err)
	}
}
