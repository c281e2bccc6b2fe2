using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CostPilot.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AccountsDiscovery : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "tags_text",
                table: "instances",
                type: "text",
                nullable: true,
                computedColumnSql: "tags::text",
                stored: true);

            migrationBuilder.CreateTable(
                name: "addresses",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    region = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    allocation_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    public_ip = table.Column<string>(type: "character varying(45)", maxLength: 45, nullable: false),
                    instance_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    association_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    domain = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    tags = table.Column<Dictionary<string, string>>(type: "jsonb", nullable: false),
                    last_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_addresses", x => x.id);
                    table.ForeignKey(
                        name: "fk_addresses_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "pending_connections",
                columns: table => new
                {
                    owner_id = table.Column<string>(type: "text", nullable: false),
                    external_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pending_connections", x => x.owner_id);
                    table.ForeignKey(
                        name: "fk_pending_connections_users_owner_id",
                        column: x => x.owner_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "volumes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    region = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    volume_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    size_gib = table.Column<int>(type: "integer", nullable: false),
                    volume_type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    iops = table.Column<int>(type: "integer", nullable: true),
                    throughput_mibps = table.Column<int>(type: "integer", nullable: true),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    availability_zone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    attached_instance_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    tags = table.Column<Dictionary<string, string>>(type: "jsonb", nullable: false),
                    last_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_volumes", x => x.id);
                    table.ForeignKey(
                        name: "fk_volumes_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_addresses_account_id_region_allocation_id",
                table: "addresses",
                columns: new[] { "account_id", "region", "allocation_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_volumes_account_id_region_volume_id",
                table: "volumes",
                columns: new[] { "account_id", "region", "volume_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "addresses");

            migrationBuilder.DropTable(
                name: "pending_connections");

            migrationBuilder.DropTable(
                name: "volumes");

            migrationBuilder.DropColumn(
                name: "tags_text",
                table: "instances");
        }
    }
}
