using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostPilot.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AccountClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Before this index, two requests at once could each make a sample account for the same user. Such a user keeps the
            // oldest; the others are simulated data only (their instances and logs go with them, their discovery jobs find nothing).
            migrationBuilder.Sql("""
                DELETE FROM accounts newer
                USING accounts older
                WHERE newer.method = 'Sandbox' AND older.method = 'Sandbox' AND newer.owner_id = older.owner_id
                  AND (newer.created_at, newer.id) > (older.created_at, older.id);
                """);

            migrationBuilder.CreateIndex(
                name: "ix_accounts_owner_id_one_sample",
                table: "accounts",
                column: "owner_id",
                unique: true,
                filter: "method = 'Sandbox'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_accounts_owner_id_one_sample",
                table: "accounts");
        }
    }
}
