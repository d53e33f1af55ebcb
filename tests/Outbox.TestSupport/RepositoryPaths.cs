namespace Outbox.TestSupport;

/// <summary>Finds files of this repository from a test's output folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Outbox.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Outbox.sln not found above {AppContext.BaseDirectory}.");
    }
}
