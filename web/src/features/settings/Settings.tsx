import type { ComponentType } from "react";
import { Link } from "wouter";
import type { Me } from "../../api/kith";
import { useRoleAtLeast } from "./common";
import { Profile } from "./Profile";
import { Sessions } from "./Sessions";
import { Security } from "./Security";
import { Members } from "./Members";
import { Roles } from "./Roles";
import { Tokens } from "./Tokens";
import { ConnectedApps } from "./ConnectedApps";
import { DataModel } from "./DataModel";
import { Trash } from "./Trash";
import { Privacy } from "./Privacy";
import { Activity } from "./Activity";
import { DeleteAccount } from "./DeleteAccount";
import { MyData } from "./MyData";
import { DeleteWorkspace } from "./DeleteWorkspace";

export interface SectionProps {
  me: Me;
  workspace: string;
}

interface Section {
  slug: string;
  title: string;
  adminOnly?: boolean;
  component: ComponentType<SectionProps>;
}

/** In the order the list shows them; the first opens when the address names none. */
export const SECTIONS: Section[] = [
  { slug: "profile", title: "Profile", component: Profile },
  { slug: "sessions", title: "Sessions & sign-ins", component: Sessions },
  { slug: "security", title: "Security", component: Security },
  { slug: "members", title: "Members", component: Members },
  { slug: "roles", title: "Roles", component: Roles },
  { slug: "tokens", title: "API tokens", adminOnly: true, component: Tokens },
  { slug: "apps", title: "Connected apps", component: ConnectedApps },
  { slug: "data-model", title: "Data model", adminOnly: true, component: DataModel },
  { slug: "trash", title: "Trash", component: Trash },
  { slug: "privacy", title: "Privacy requests", adminOnly: true, component: Privacy },
  { slug: "activity", title: "Agents' activity", adminOnly: true, component: Activity },
  { slug: "my-data", title: "My data", component: MyData },
  { slug: "delete-workspace", title: "Delete workspace", component: DeleteWorkspace },
  { slug: "delete-account", title: "Delete my account", component: DeleteAccount },
];

/** `/w/{workspace}/settings/{section}`: the list of sections, and the open one. */
export function Settings({ me, workspace, section }: SectionProps & { section: string | undefined }) {
  const admin = useRoleAtLeast("admin");
  const open = SECTIONS.find((s) => s.slug === section) ?? SECTIONS[0]!;
  const Open = open.component;
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="Settings sections">
        <h1>Settings</h1>
        <ul>
          {SECTIONS.filter((s) => admin || !s.adminOnly).map((s) => (
            <li key={s.slug}>
              <Link
                href={`/w/${workspace}/settings/${s.slug}`}
                aria-current={s.slug === open.slug ? "page" : undefined}
                className={s.slug === "delete-account" ? "danger-link" : undefined}
              >
                {s.title}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <section className="settings-section" aria-labelledby="settings-title">
        <h2 id="settings-title">{open.title}</h2>
        <Open key={`${workspace}/${open.slug}`} me={me} workspace={workspace} />
      </section>
    </div>
  );
}
