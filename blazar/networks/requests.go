package networks

import (
	"context"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// List returns a pager over the network segments (one page).
func List(client *gophercloud.ServiceClient) pagination.Pager {
	return pagination.NewPager(client, listURL(client), func(r pagination.PageResult) pagination.Page {
		return NetworkPage{pagination.SinglePageBase(r)}
	})
}

// ListAll fetches every network segment in one call.
func ListAll(ctx context.Context, client *gophercloud.ServiceClient) ([]Network, error) {
	page, err := List(client).AllPages(ctx)
	if err != nil {
		return nil, blazar.ConvertError(err)
	}
	return ExtractNetworks(page)
}

// Get fetches one network segment by id.
func Get(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetResult) {
	resp, err := client.Get(ctx, getURL(client, id), &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = blazar.ConvertError(r.Err)
	return
}

// ListAllocations returns a pager over every segment's allocations; extract
// with blazar.ExtractAllocations.
func ListAllocations(client *gophercloud.ServiceClient, opts blazar.AllocationListOpts) pagination.Pager {
	return blazar.ListAllocations(client, allocationsURL(client), opts)
}

// ListAllAllocations fetches every segment's allocations in one call.
func ListAllAllocations(ctx context.Context, client *gophercloud.ServiceClient, opts blazar.AllocationListOpts) ([]blazar.Allocation, error) {
	return blazar.ListAllAllocations(ctx, client, allocationsURL(client), opts)
}

// GetAllocation fetches one segment's allocation.
func GetAllocation(ctx context.Context, client *gophercloud.ServiceClient, id string, opts blazar.AllocationListOpts) blazar.AllocationResult {
	return blazar.GetAllocation(ctx, client, allocationURL(client, id), opts)
}

// ListProperties lists the segment properties usable in a network
// reservation's resource_properties.
func ListProperties(ctx context.Context, client *gophercloud.ServiceClient, opts blazar.PropertyListOpts) blazar.PropertiesResult {
	return blazar.ListProperties(ctx, client, propertiesURL(client), opts)
}
