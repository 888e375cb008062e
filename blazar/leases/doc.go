/*
Package leases manages Blazar leases: list, get, create, update (rename,
move dates, change reservations) and delete.

Blazar has no pagination and ignores query parameters on the list, so List
returns a single-page pager and ListAll is the usual call. Every failure is a
*blazar.Error (see blazar.IsKind).

Example to create a lease of one node starting now:

	lease, err := leases.Create(ctx, client, leases.CreateOpts{
		Name: "exp",
		End:  time.Now().Add(3 * time.Hour),
		Reservations: []map[string]any{{
			"resource_type":         "physical:host",
			"min":                   1,
			"max":                   1,
			"resource_properties":   `["==", "$node_type", "compute_skylake"]`,
			"hypervisor_properties": "",
		}},
	}).Extract()

Example to extend it by a day:

	end := lease.EndDate.Add(24 * time.Hour)
	lease, err = leases.Update(ctx, client, lease.ID, leases.UpdateOpts{End: &end}).Extract()

Invariants: dates are sent as "YYYY-MM-DD HH:MM" in UTC (a zero
CreateOpts.Start is sent as "now"); the create body is not wrapped and always
carries "events": [] and "before_end_date" like python-blazarclient; every
reservation key the Reservation type does not model is kept in Extra.
*/
package leases
