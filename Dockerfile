# syntax=docker/dockerfile:1
# CostPilot: build with the .NET 10 SDK, run on the ASP.NET Core runtime as a non-root user.
#   docker compose up --build     (see docker-compose.yml for the settings it needs)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore first, from the project files only, so that code changes reuse this layer.
COPY CostPilot.sln global.json Directory.Build.props Directory.Packages.props ./
COPY CostPilot.Domain/CostPilot.Domain.csproj CostPilot.Domain/
COPY CostPilot.Infrastructure/CostPilot.Infrastructure.csproj CostPilot.Infrastructure/
COPY CostPilot.Web/CostPilot.Web.csproj CostPilot.Web/
RUN dotnet restore CostPilot.Web/CostPilot.Web.csproj

COPY . .
RUN dotnet publish CostPilot.Web -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
# The image has neither curl nor wget: curl is for the HEALTHCHECK below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /app/data && chown "$APP_UID:$APP_UID" /app/data

ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    CostPilot__DataDirectory=/app/data

USER $APP_UID
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/api/health || exit 1

# The app applies its database migrations and seeds roles at start.
ENTRYPOINT ["dotnet", "CostPilot.Web.dll"]
