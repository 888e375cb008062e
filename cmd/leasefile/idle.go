package main

import (
	"context"
	"sync"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/cloud"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// warnIdle warns of the plan's ACTIVE bare-metal leases that Chameleon's idle-lease reaper
// would delete: it lists the project's servers once per site where p keeps such a lease,
// and plan.WarnIdle decides. A site without a compute endpoint, or whose Nova refuses the
// list (403, 404), is unknown and gets no warning.
func (a *app) warnIdle(ctx context.Context, s *session, p *plan.Plan) {
	names := plan.IdleSites(p, s.lastLive)
	if len(names) == 0 {
		return
	}
	plan.WarnIdle(p, plan.Idle{Live: s.lastLive, Servers: s.fetchServers(ctx, names), Now: a.now()})
}

// fetchServers reports, per named site, whether the project has any server there (one
// GET /servers/detail?limit=1 per site, the sites at once). A site whose servers cannot be
// listed is left out; an error other than a refusal is a warning.
func (s *session) fetchServers(ctx context.Context, names []string) map[string]bool {
	out := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range names {
		site := s.sites[name]
		if site == nil || site.Compute == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var has bool
			err := s.retrier(name+": list servers").Do(ctx, func(ctx context.Context) error {
				var err error
				has, err = anyServer(ctx, site)
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out[name] = has
			case blazar.IsKind(err, blazar.Forbidden), blazar.IsKind(err, blazar.NotFound):
				// Nova is not open to the project here: whether a lease is idle cannot be known.
			default:
				s.warnMu.Lock()
				s.a.warnf("%s: cannot tell whether the project runs servers (for Chameleon's idle-lease reaper): %v", name, err)
				s.warnMu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out
}

// anyServer reads the first page of one server of the project at site.
func anyServer(ctx context.Context, site *cloud.Site) (bool, error) {
	var has bool
	err := servers.List(site.Compute, servers.ListOpts{Limit: 1}).EachPage(ctx, func(_ context.Context, page pagination.Page) (bool, error) {
		ss, err := servers.ExtractServers(page)
		has = len(ss) > 0
		return false, err
	})
	return has, blazar.ConvertError(err)
}
