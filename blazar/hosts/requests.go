package hosts

import (
	"context"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// List returns a pager over the hosts (one page).
func List(client *gophercloud.ServiceClient) pagination.Pager {
	return pagination.NewPager(client, listURL(client), func(r pagination.PageResult) pagination.Page {
		return HostPage{pagination.SinglePageBase(r)}
	})
}

// ListAll fetches every host in one call.
func ListAll(ctx context.Context, client *gophercloud.ServiceClient) ([]Host, error) {
	page, err := List(client).AllPages(ctx)
	if err != nil {
		return nil, blazar.ConvertError(err)
	}
	return ExtractHosts(page)
}

// Get fetches one host by id.
func Get(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetResult) {
	resp, err := client.Get(ctx, getURL(client, id), &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = blazar.ConvertError(r.Err)
	return
}

// ListAllocations returns a pager over every host's allocations; extract
// with blazar.ExtractAllocations.
func ListAllocations(client *gophercloud.ServiceClient, opts blazar.AllocationListOpts) pagination.Pager {
	return blazar.ListAllocations(client, allocationsURL(client), opts)
}

// ListAllAllocations fetches every host's allocations in one call.
func ListAllAllocations(ctx context.Context, client *gophercloud.ServiceClient, opts blazar.AllocationListOpts) ([]blazar.Allocation, error) {
	return blazar.ListAllAllocations(ctx, client, allocationsURL(client), opts)
}

// GetAllocation fetches one host's allocation.
func GetAllocation(ctx context.Context, client *gophercloud.ServiceClient, id string, opts blazar.AllocationListOpts) blazar.AllocationResult {
	return blazar.GetAllocation(ctx, client, allocationURL(client, id), opts)
}

// ListProperties lists the extra-capability names (and with Detail, their
// values) usable in a host reservation's resource_properties.
func ListProperties(ctx context.Context, client *gophercloud.ServiceClient, opts blazar.PropertyListOpts) blazar.PropertiesResult {
	return blazar.ListProperties(ctx, client, propertiesURL(client), opts)
}
