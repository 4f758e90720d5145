using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Web;

namespace GitOps.Pipelines.Tests.Registries;

/// <summary>
/// A small token server for distribution's token auth, on 127.0.0.1: it checks Basic credentials against one
/// user and answers with an ES256 JWT whose header carries the signing certificate (<c>x5c</c>); the registry
/// trusts that certificate through <c>rootcertbundle</c>. It grants whatever repository actions are asked for.
/// </summary>
public sealed class TokenIssuer : IDisposable
{
    /// <summary>The <c>service</c> (the token's audience) the registry is configured with.</summary>
    public const string Service = "gitops-test-registry";

    /// <summary>The token's issuer, as the registry is configured.</summary>
    public const string Issuer = "gitops-test-issuer";

    private readonly HttpListener _listener = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _certificate;
    private readonly string _user;
    private readonly string _password;
    private readonly List<string> _requests = [];

    public TokenIssuer(string user, string password)
    {
        _user = user;
        _password = password;
        var request = new CertificateRequest($"CN={Issuer}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        for (var tries = 0; ; tries++)
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            Port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try { _listener.Start(); break; }
            catch (HttpListenerException) when (tries < 5) { }
        }
        _ = Task.Run(LoopAsync);
    }

    /// <summary>The issuer's port.</summary>
    public int Port { get; private set; }

    /// <summary>The realm the registry points clients at.</summary>
    public string Realm => $"http://127.0.0.1:{Port}/token";

    /// <summary>The signing certificate as PEM, for the registry's <c>rootcertbundle</c>.</summary>
    public string CertificatePem => _certificate.ExportCertificatePem();

    /// <summary>Every token request so far, as its scope parameters ("" when none), and "401" for refused ones.</summary>
    public IReadOnlyList<string> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (HttpListenerException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (InvalidOperationException) { return; }
            try { Answer(context); }
            catch (HttpListenerException) { }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var query = HttpUtility.ParseQueryString(context.Request.Url!.Query);
        var scopes = query.GetValues("scope") ?? [];
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_user}:{_password}"));
        if (context.Request.Headers["Authorization"] != expected || query["service"] != Service)
        {
            lock (_requests) _requests.Add("401");
            context.Response.StatusCode = 401;
            context.Response.Close();
            return;
        }
        lock (_requests) _requests.Add(string.Join(' ', scopes));
        var access = scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(s =>
        {
            var parts = s.Split(':');
            return new Dictionary<string, object> { ["type"] = parts[0], ["name"] = string.Join(':', parts[1..^1]), ["actions"] = parts[^1].Split(',') };
        }).ToList();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new Dictionary<string, object>
        {
            ["typ"] = "JWT",
            ["alg"] = "ES256",
            ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) },
        };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = _user,
            ["aud"] = Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var input = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256); // r||s, as JWS wants
        var token = input + "." + Base64Url(signature);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["token"] = token, ["expires_in"] = 300 });
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = body.Length;
        context.Response.OutputStream.Write(body);
        context.Response.Close();
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _certificate.Dispose();
        _key.Dispose();
    }
}
