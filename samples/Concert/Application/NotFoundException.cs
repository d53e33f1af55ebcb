namespace Concert.Application;

/// <summary>A user, show, seat or reservation named in a request does not exist. The API answers 404.</summary>
internal sealed class NotFoundException(string resource, long id)
    : Exception($"{resource} {id} does not exist.")
{
    public string Resource { get; } = resource;

    public long Id { get; } = id;
}
