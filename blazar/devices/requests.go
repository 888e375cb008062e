package devices

import (
	"context"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// List returns a pager over the devices (one page).
func List(client *gophercloud.ServiceClient) pagination.Pager {
	return pagination.NewPager(client, listURL(client), func(r pagination.PageResult) pagination.Page {
		return DevicePage{pagination.SinglePageBase(r)}
	})
}

// ListAll fetches every device in one call.
func ListAll(ctx context.Context, client *gophercloud.ServiceClient) ([]Device, error) {
	page, err := List(client).AllPages(ctx)
	if err != nil {
		return nil, blazar.ConvertError(err)
	}
	return ExtractDevices(page)
}

// Get fetches one device by id.
func Get(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetResult) {
	resp, err := client.Get(ctx, getURL(client, id), &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = blazar.ConvertError(r.Err)
	return
}

// ListAllocations returns a pager over every device's allocations; extract
// with blazar.ExtractAllocations.
func ListAllocations(client *gophercloud.ServiceClient, opts blazar.AllocationListOpts) pagination.Pager {
	return blazar.ListAllocations(client, allocationsURL(client), opts)
}

// ListAllAllocations fetches every device's allocations in one call.
func ListAllAllocations(ctx context.Context, client *gophercloud.ServiceClient, opts blazar.AllocationListOpts) ([]blazar.Allocation, error) {
	return blazar.ListAllAllocations(ctx, client, allocationsURL(client), opts)
}
