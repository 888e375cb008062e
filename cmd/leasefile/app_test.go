package main

import (
	"runtime/debug"
	"testing"
)

// TestVersionFrom: version printed "(devel)" for every build, even one installed at a
// version; it names the module version and the commit the build recorded.
func TestVersionFrom(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "c8d740c1a2b3c4d5e6f7"}, {Key: "vcs.modified", Value: "false"}}
	for _, tc := range []struct {
		linked string
		bi     *debug.BuildInfo
		want   string
	}{
		{"", nil, "leasefile (devel)"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "leasefile v1.2.0"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "leasefile (devel) (commit c8d740c1a2b3)"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.1-0.20261201211530-c8d740c1a2b3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "c8d740c1a2b3"}, {Key: "vcs.modified", Value: "true"}}},
			"leasefile v1.2.1-0.20261201211530-c8d740c1a2b3 (commit c8d740c1a2b3, modified)"},
		{"v1.3.0", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "leasefile v1.3.0 (commit c8d740c1a2b3)"},
	} {
		if got := versionFrom(tc.linked, tc.bi); got != tc.want {
			t.Errorf("versionFrom(%q, %+v) = %q, want %q", tc.linked, tc.bi, got, tc.want)
		}
	}
}
